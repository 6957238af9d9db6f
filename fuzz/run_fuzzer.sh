#!/usr/bin/env bash
# Runs one libFuzzer target for a while and merges what it found into its
# checked-in corpus (crashes land in fuzz/regressions/<target>/ for a
# minimised reproduction to be committed).
#
#   fuzz/run_fuzzer.sh <target> <seconds> [build folder, default build/fuzz]
#
# The build folder must be configured with GRADCODEC_FUZZ=ON (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
seconds=$2
build=${3:-build/fuzz}
fuzzer="$build/fuzz/${target}_fuzzer"
[ -x "$fuzzer" ] || { echo "no $fuzzer: build the 'fuzzers' target" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "fuzz/corpus/$target/." "$work/"
"$fuzzer" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
  -artifact_prefix="fuzz/regressions/$target/" "$work" 2>&1 |
  grep -E "^#[0-9]+.*(INITED|DONE)|^Done|stat::|ERROR|SUMMARY" || true
"$fuzzer" -merge=1 "fuzz/corpus/$target" "$work" 2>&1 |
  grep -E "MERGE-OUTER: [0-9]+ new" || true
