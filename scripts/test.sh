#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script):
#   1. a release build with -Werror, then ctest (unit tests, spec vectors,
#      fuzz corpus and regression replays);
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer, less the
#      tests labelled "slow" (10^8-element round trips, run in step 1);
#   3. the libFuzzer targets built with clang-14, each run over its corpus,
#      so the fuzzing build never rots.
# Installs what it needs first. Build folders: build/{release,asan,fuzz}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh

jobs=$(nproc)
section() { printf '\n=== %s ===\n' "$*"; }

section "release build + tests"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRADCODEC_WERROR=ON
cmake --build build/release -j "$jobs"
ctest --test-dir build/release --output-on-failure -j "$jobs"

section "ASan + UBSan build + tests"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DGRADCODEC_WERROR=ON \
  -DGRADCODEC_SANITIZE=ON -DGRADCODEC_BUILD_BENCH=OFF
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs" -LE slow

section "libFuzzer targets over their corpora"
CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRADCODEC_WERROR=ON \
  -DGRADCODEC_FUZZ=ON -DGRADCODEC_SANITIZE=ON \
  -DGRADCODEC_BUILD_TESTS=OFF -DGRADCODEC_BUILD_BENCH=OFF
cmake --build build/fuzz -j "$jobs" --target fuzzers
for fuzzer in build/fuzz/fuzz/*_fuzzer; do
  target=$(basename "$fuzzer" _fuzzer)
  "$fuzzer" -runs=0 fuzz/corpus/"$target" fuzz/regressions/"$target"
done

section "all tests passed"
