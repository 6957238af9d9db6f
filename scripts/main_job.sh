#!/usr/bin/env bash
# The README's main job: build everything and run the gradcodec tool on the
# bundled sample of real gradients (examples/digits_cnn_bf16: 16 steps of a
# CNN's BF16 gradients): first `analyze`, which compares every method with the
# usual baselines, then `compress`, which writes build/sample.gcs and prints
# its per-tensor report. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGRADCODEC_WERROR=ON >/dev/null
# Everything (library, tool, tests, benches), in the folder the test command
# uses too, so that running both builds once.
cmake --build build/release -j "$(nproc)" >/dev/null

tool=build/release/cli/gradcodec
sample=examples/digits_cnn_bf16
printf '$ gradcodec analyze %s\n' "$sample"
"$tool" analyze "$sample" --quiet
printf '\n$ gradcodec compress %s -o build/sample.gcs\n' "$sample"
"$tool" compress "$sample" -o build/sample.gcs --quiet
