#!/usr/bin/env bash
# Seeds fuzz/corpus/ from spec/vectors/ (each vector once, named by its
# content hash so re-seeding adds no duplicates).
set -euo pipefail
cd "$(dirname "$0")/.."
seed() {  # <vector subfolder> <corpus folder>
  find "spec/vectors/$1" -type f | while read -r file; do
    cp "$file" "fuzz/corpus/$2/$(sha1sum "$file" | cut -c1-16)"
  done
}
seed packets packet_parser
seed containers container_reader
echo "packet_parser: $(ls fuzz/corpus/packet_parser | wc -l) inputs"
echo "container_reader: $(ls fuzz/corpus/container_reader | wc -l) inputs"
