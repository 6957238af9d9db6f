#!/usr/bin/env bash
# Seeds fuzz/corpus/ from spec/vectors/ (each vector once, named by its
# content hash so re-seeding adds no duplicates).
set -euo pipefail
cd "$(dirname "$0")/.."
targets="packet_parser container_reader byte_stream_decoder
  rans_byte_stream_decoder context_bits_decoder fast_bits_decoder
  adaptive_bits_decoder entropy_roundtrip codec_decoder grouped_merge"
for target in $targets; do
  mkdir -p "fuzz/corpus/$target" "fuzz/regressions/$target"
  touch "fuzz/regressions/$target/.keep"
done
seed() {  # <vector subfolder> <corpus folder>
  find "spec/vectors/$1" -type f | while read -r file; do
    cp "$file" "fuzz/corpus/$2/$(sha1sum "$file" | cut -c1-16)"
  done
}
seed packets packet_parser
seed containers container_reader
seed byte_streams byte_stream_decoder
seed byte_streams rans_byte_stream_decoder
# Bit-stream vectors carry a u32 bit_count and u16 context_count; the fuzz
# target reads u16 bit_count and u8 context_count - 1 instead.
find spec/vectors/bit_streams -type f | while read -r file; do
  name="$(sha1sum "$file" | cut -c1-16)"
  for target in context_bits_decoder fast_bits_decoder adaptive_bits_decoder; do
    python3 - "$file" "fuzz/corpus/$target/$name" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
bits, contexts = struct.unpack_from("<IH", data)
header = struct.pack("<HB", bits & 0xFFFF, (contexts - 1) & 0xFF)
open(sys.argv[2], "wb").write(header + data[6:])
PY
  done
done
for target in $targets; do
  echo "$target: $(ls fuzz/corpus/$target | wc -l) inputs"
done
