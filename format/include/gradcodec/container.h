// The .gcs stream container: a file of packets from one stream
// (spec/FORMAT.md, "Stream container").
//
//   file   = file header, packet records..., [index record, tail]
//   header = magic "GCSF", version, flags, metadata (layout, settings),
//            XXH3-64 of the header
//   record = tag 'P', varint packet_size, packet
//   index  = tag 'I', entries (sequence, record offset, key flag), XXH3-64
//   tail   = u64 index_offset, magic "GCSE" (the last 12 bytes)
//
// The index lets tools seek to a step or to the key packet before it. A file
// whose writer died before Finish() has no index; ContainerReader then scans
// it from the front and stops at the first record that is not whole and
// valid, saying where and why.
#ifndef GRADCODEC_CONTAINER_H_
#define GRADCODEC_CONTAINER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gradcodec/layout.h"

namespace gradcodec {

inline constexpr uint8_t kContainerVersionMajor = 1;
inline constexpr uint8_t kContainerVersionMinor = 0;

// What the file header holds besides its framing.
struct ContainerMetadata {
  Layout layout;
  // Codec settings and provenance as UTF-8 key/value pairs, keys unique;
  // serialised in increasing key order.
  std::vector<std::pair<std::string, std::string>> settings;

  bool operator==(const ContainerMetadata&) const = default;
};

// One packet of the file.
struct ContainerEntry {
  uint64_t sequence = 0;
  bool is_key = false;
  uint64_t record_offset = 0;  // where its record starts in the file
  uint64_t packet_offset = 0;  // where the packet bytes start
  uint64_t packet_size = 0;
};

// Reads a whole .gcs file held in memory (or mapped). The reader views the
// caller's bytes, which must outlive it. Not thread-safe for mutation; const
// calls may run concurrently.
class ContainerReader {
 public:
  // Parses the file header and either the index (when the tail is present
  // and valid) or every record from the front. Errors concern the file
  // header only (TRUNCATED, BAD_MAGIC, UNSUPPORTED_VERSION, INVALID_FIELD,
  // LIMIT_EXCEEDED, CHECKSUM_MISMATCH, ...): a file with a readable header
  // always opens, and damage after it shows in has_index() / stop_reason().
  static absl::StatusOr<ContainerReader> Open(absl::Span<const uint8_t> file);

  const ContainerMetadata& metadata() const { return metadata_; }
  uint64_t layout_fingerprint() const { return layout_fingerprint_; }

  // The packets that can be read, in file order. When has_index() is true,
  // the packets' checksums have not been verified yet: ParsePacket or
  // ReadPacketInfo on packet(i) does that.
  absl::Span<const ContainerEntry> entries() const { return entries_; }
  absl::Span<const uint8_t> packet(size_t i) const;

  // True when the file ended with a valid index and tail. Otherwise
  // index_status() says why the index could not be used (for example
  // TRUNCATED when the tail is missing) and the entries come from a scan.
  bool has_index() const { return has_index_; }
  const absl::Status& index_status() const { return index_status_; }
  // Without an index: why reading stopped (OK when the records simply ended
  // at a record boundary, as when a writer died between packets) and the
  // file offset where the first unread byte is.
  const absl::Status& stop_reason() const { return stop_reason_; }
  uint64_t stop_offset() const { return stop_offset_; }

  // The entry index of the last key packet whose sequence is at most
  // `sequence`: where a decoder must start to reach that step. NOT_FOUND if
  // there is none.
  absl::StatusOr<size_t> FindKeyAtOrBefore(uint64_t sequence) const;

 private:
  ContainerReader() = default;
  absl::Status ReadIndex(uint64_t data_start);
  void ScanRecords(uint64_t data_start);

  absl::Span<const uint8_t> file_;
  ContainerMetadata metadata_;
  uint64_t layout_fingerprint_ = 0;
  std::vector<ContainerEntry> entries_;
  bool has_index_ = false;
  absl::Status index_status_;
  absl::Status stop_reason_;
  uint64_t stop_offset_ = 0;
};

// Where a ContainerWriter's bytes go.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual absl::Status Write(absl::Span<const uint8_t> bytes) = 0;
};

// A sink that appends to a caller-owned vector.
class VectorByteSink : public ByteSink {
 public:
  explicit VectorByteSink(std::vector<uint8_t>* out) : out_(out) {}
  absl::Status Write(absl::Span<const uint8_t> bytes) override {
    out_->insert(out_->end(), bytes.begin(), bytes.end());
    return absl::OkStatus();
  }

 private:
  std::vector<uint8_t>* out_;
};

// Writes a .gcs file. Not thread-safe.
class ContainerWriter {
 public:
  // Validates `metadata` (INVALID_FIELD, LIMIT_EXCEEDED, ...) and writes the
  // file header to `sink`, which must outlive the writer.
  static absl::StatusOr<ContainerWriter> Create(
      const ContainerMetadata& metadata, ByteSink* sink);

  // Appends one packet. It must be a valid packet (ReadPacketInfo succeeds)
  // whose layout_fingerprint is the file's and whose sequence number is
  // greater than the previous packet's; otherwise INVALID_ARGUMENT and
  // nothing is written. BAD_STATE after Finish().
  absl::Status AppendPacket(absl::Span<const uint8_t> packet);

  // Writes the index and tail. BAD_STATE if called twice.
  absl::Status Finish();

  uint64_t bytes_written() const { return offset_; }

 private:
  ContainerWriter(ByteSink* sink, uint64_t layout_fingerprint)
      : sink_(sink), layout_fingerprint_(layout_fingerprint) {}
  absl::Status Emit(absl::Span<const uint8_t> bytes);

  ByteSink* sink_;
  uint64_t layout_fingerprint_;
  uint64_t offset_ = 0;
  std::vector<ContainerEntry> entries_;
  bool finished_ = false;
};

}  // namespace gradcodec

#endif  // GRADCODEC_CONTAINER_H_
