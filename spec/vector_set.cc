#include "spec/vector_set.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "format/byte_writer.h"
#include "format/checksum.h"
#include "format/container_format.h"
#include "format/layout_section.h"
#include "format/packet.h"
#include "gradcodec/container.h"
#include "gradcodec/limits.h"
#include "spec/entropy_vectors.h"
#include "spec/method_vectors.h"

namespace gradcodec::spec {
namespace {

using internal::ByteWriter;
using Bytes = std::vector<uint8_t>;

// Header field offsets (spec "Packet header").
constexpr size_t kOffsetVersionMajor = 4;
constexpr size_t kOffsetVersionMinor = 5;
constexpr size_t kOffsetHeaderSize = 6;
constexpr size_t kOffsetPacketKind = 8;
constexpr size_t kOffsetMethodId = 9;
constexpr size_t kOffsetFlags = 10;
constexpr size_t kOffsetLayoutFingerprint = 24;
constexpr size_t kOffsetCoordinateCount = 32;
constexpr size_t kOffsetReferenceFingerprint = 40;

constexpr uint8_t kMethodId = 3;
constexpr uint32_t kStreamId = 7;

Layout SmallLayout() {
  Layout layout;
  layout.tensors.push_back({"fc.weight", {2, 3}, DType::kFloat32, 4});
  layout.tensors.push_back({"fc.bias", {3}, DType::kBFloat16, 0});
  return layout;
}

Bytes LayoutPayload(const Layout& layout) {
  Bytes payload;
  internal::SerializeLayout(layout, &payload);
  return payload;
}

PacketHeader KeyHeader(const Bytes& layout_payload, uint64_t coordinates,
                       uint64_t sequence = 0) {
  PacketHeader header;
  header.packet_kind = PacketKind::kKey;
  header.method_id = kMethodId;
  header.stream_id = kStreamId;
  header.sequence = sequence;
  header.layout_fingerprint = internal::LayoutFingerprint(layout_payload);
  header.coordinate_count = coordinates;
  return header;
}

PacketHeader DeltaHeader(const Bytes& layout_payload, uint64_t coordinates,
                         uint64_t sequence) {
  PacketHeader header = KeyHeader(layout_payload, coordinates, sequence);
  header.packet_kind = PacketKind::kDelta;
  header.reference_fingerprint = 0x0123456789ABCDEFull + sequence;
  return header;
}

const Bytes kMethodPayload = {0xA5, 0x5A, 0x00, 0xFF};

// The small key packet most invalid vectors start from.
Bytes SmallKey() {
  const Bytes layout = LayoutPayload(SmallLayout());
  const internal::SectionData sections[] = {
      {0x01, layout}, {0x02, kMethodPayload}};
  return internal::SerializePacket(KeyHeader(layout, 9), sections);
}

// A packet with the header of `header` and arbitrary section bytes `body`,
// checksummed: for section tables the serialiser would never write.
Bytes RawPacket(const PacketHeader& header, const Bytes& body) {
  Bytes packet = internal::SerializePacket(header, {});
  packet.insert(packet.end() - kPacketTrailerSize, body.begin(), body.end());
  internal::RewriteChecksum(&packet);
  return packet;
}

Bytes LayoutSection(const Bytes& payload) {
  Bytes out;
  ByteWriter writer(&out);
  writer.WriteU8(0x01);
  writer.WriteLengthPrefixed(payload);
  return out;
}

// A key packet whose layout section holds `payload` verbatim; the header's
// fingerprint matches it and `coordinates` is claimed.
Bytes KeyWithLayoutBytes(const Bytes& payload, uint64_t coordinates) {
  return RawPacket(KeyHeader(payload, coordinates), LayoutSection(payload));
}

void Patch(Bytes* bytes, size_t offset, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) {
    (*bytes)[offset + i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

Bytes Rechecked(Bytes packet) {
  internal::RewriteChecksum(&packet);
  return packet;
}

Bytes PatchedKey(size_t offset, uint64_t value, size_t width) {
  Bytes packet = SmallKey();
  Patch(&packet, offset, value, width);
  return Rechecked(std::move(packet));
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

class VectorList {
 public:
  void Packet(std::string name, std::string expect, std::string description,
              Bytes bytes) {
    vectors_.push_back({absl::StrCat("packets/", name, ".gcp"),
                        VectorKind::kPacket, std::move(expect),
                        std::move(description), std::move(bytes)});
  }
  void Container(std::string name, std::string expect, std::string description,
                 Bytes bytes) {
    vectors_.push_back({absl::StrCat("containers/", name, ".gcs"),
                        VectorKind::kContainer, std::move(expect),
                        std::move(description), std::move(bytes)});
  }
  void Add(VectorKind kind, std::string path, std::string expect,
           std::string description, Bytes bytes) {
    vectors_.push_back({std::move(path), kind, std::move(expect),
                        std::move(description), std::move(bytes)});
  }
  std::vector<TestVector> Take() { return std::move(vectors_); }

 private:
  std::vector<TestVector> vectors_;
};

void AddValidPackets(VectorList& v) {
  v.Packet("key_minimal", "ok",
           "key packet: two-tensor layout and one method payload section",
           SmallKey());
  {
    const Bytes layout = LayoutPayload(SmallLayout());
    const Bytes comment = {'h', 'i'};
    const internal::SectionData sections[] = {{0x01, layout},
                                              {0x02, kMethodPayload},
                                              {0x1F, {}},
                                              {0x80, comment}};
    v.Packet("key_all_known_sections", "ok",
             "key packet with the first and last method section types, an "
             "empty section and a comment",
             internal::SerializePacket(KeyHeader(layout, 9), sections));
  }
  {
    const Bytes layout = LayoutPayload(SmallLayout());
    const internal::SectionData sections[] = {{0x04, kMethodPayload}};
    v.Packet("delta_minimal", "ok", "delta packet: one method payload section",
             internal::SerializePacket(DeltaHeader(layout, 9, 1), sections));
    v.Packet("delta_no_sections", "ok", "delta packet with no sections at all",
             internal::SerializePacket(DeltaHeader(layout, 9, 2), {}));
  }
  {
    const Bytes layout = LayoutPayload(SmallLayout());
    const Bytes future = {1, 2, 3};
    const internal::SectionData sections[] = {
        {0x01, layout}, {0x02, kMethodPayload}, {0xC7, future}};
    v.Packet("unknown_skippable_section", "ok",
             "an unknown section type in the skippable range is skipped",
             internal::SerializePacket(KeyHeader(layout, 9), sections));
  }
  {
    // A later minor version with an 8-byte header extension.
    Bytes packet = SmallKey();
    const Bytes extension = {9, 9, 9, 9, 9, 9, 9, 9};
    packet.insert(packet.begin() + kPacketFixedHeaderSize, extension.begin(),
                  extension.end());
    Patch(&packet, kOffsetVersionMinor, 7, 1);
    Patch(&packet, kOffsetHeaderSize, kPacketFixedHeaderSize + 8, 2);
    v.Packet("minor_version_header_extension", "ok",
             "version 1.7 with 8 header extension bytes, which 1.0 ignores",
             Rechecked(std::move(packet)));
  }
  {
    Layout layout;
    layout.tensors.push_back({"scalar", {}, DType::kFloat32, 0});
    layout.tensors.push_back({"empty", {4, 0}, DType::kFloat16, 8});
    layout.tensors.push_back({"\xCE\xB8.w", {5}, DType::kFloat32, 1});
    const Bytes payload = LayoutPayload(layout);
    v.Packet("layout_scalar_empty_utf8", "ok",
             "rank-0 tensor, zero-element tensor, non-ASCII name",
             KeyWithLayoutBytes(payload, 6));
  }
}

void AddHeaderVectors(VectorList& v) {
  v.Packet("empty", "TRUNCATED", "zero bytes", {});
  {
    Bytes packet = SmallKey();
    packet[0] = 'X';
    v.Packet("bad_magic", "BAD_MAGIC", "magic is XCPK", packet);
  }
  v.Packet("version_major_0", "UNSUPPORTED_VERSION", "version_major 0",
           PatchedKey(kOffsetVersionMajor, 0, 1));
  v.Packet("version_major_2", "UNSUPPORTED_VERSION",
           "version_major 2, an unknown major version",
           PatchedKey(kOffsetVersionMajor, 2, 1));
  {
    // An unknown major version is reported even when the rest would not
    // parse as version 1.
    Bytes packet = {'G', 'C', 'P', 'K', 0xFF};
    v.Packet("version_major_255_short", "UNSUPPORTED_VERSION",
             "version_major 255 in a 5-byte input", packet);
  }
  v.Packet("header_size_47", "INVALID_FIELD", "header_size below 48",
           PatchedKey(kOffsetHeaderSize, 47, 2));
  v.Packet("header_size_257", "LIMIT_EXCEEDED", "header_size above 256",
           PatchedKey(kOffsetHeaderSize, 257, 2));
  v.Packet("header_size_past_end", "TRUNCATED",
           "header_size 200 in a packet shorter than 208 bytes",
           PatchedKey(kOffsetHeaderSize, 200, 2));
  v.Packet("packet_kind_0", "INVALID_FIELD", "packet_kind 0",
           PatchedKey(kOffsetPacketKind, 0, 1));
  v.Packet("packet_kind_3", "INVALID_FIELD", "packet_kind 3",
           PatchedKey(kOffsetPacketKind, 3, 1));
  v.Packet("method_id_0", "INVALID_FIELD", "method_id 0 is reserved",
           PatchedKey(kOffsetMethodId, 0, 1));
  v.Packet("flags_1", "INVALID_FIELD", "flags bit 0 set",
           PatchedKey(kOffsetFlags, 1, 2));
  v.Packet("flags_8000", "INVALID_FIELD", "flags bit 15 set",
           PatchedKey(kOffsetFlags, 0x8000, 2));
  v.Packet("coordinate_count_over_limit", "LIMIT_EXCEEDED",
           "coordinate_count 2^40 + 1",
           PatchedKey(kOffsetCoordinateCount, kMaxCoordinateCount + 1, 8));
  v.Packet("coordinate_count_mismatch", "INVALID_FIELD",
           "coordinate_count 10 but the layout holds 9",
           PatchedKey(kOffsetCoordinateCount, 10, 8));
  v.Packet("layout_fingerprint_mismatch", "INVALID_FIELD",
           "layout_fingerprint is not the layout section's XXH3-64",
           PatchedKey(kOffsetLayoutFingerprint, 12345, 8));
  v.Packet("key_reference_fingerprint", "INVALID_FIELD",
           "a key packet with a non-zero reference_fingerprint",
           PatchedKey(kOffsetReferenceFingerprint, 1, 8));
  {
    Bytes packet = SmallKey();
    packet.back() ^= 0x01;
    v.Packet("bad_checksum", "CHECKSUM_MISMATCH",
             "last bit of the checksum flipped", packet);
  }
  {
    Bytes packet = SmallKey();
    packet[kPacketFixedHeaderSize + 3] ^= 0x10;
    v.Packet("corrupt_payload_byte", "CHECKSUM_MISMATCH",
             "a bit flipped in the layout section", packet);
  }
  {
    Bytes packet = SmallKey();
    packet[kOffsetPacketKind] = 9;
    v.Packet("bad_field_and_checksum", "CHECKSUM_MISMATCH",
             "packet_kind 9 without a new checksum: the checksum is checked "
             "before the field",
             packet);
  }
}

void AddTruncations(VectorList& v) {
  const Bytes packet = SmallKey();
  // Raw cuts: below header_size + 8 bytes the packet is TRUNCATED; from there
  // on the last 8 bytes are taken as the checksum, which cannot match.
  for (size_t length = 1; length < packet.size(); ++length) {
    const Bytes cut(packet.begin(), packet.begin() + length);
    std::string expect = "CHECKSUM_MISMATCH";
    if (length < kPacketFixedHeaderSize + kPacketTrailerSize) {
      expect = "TRUNCATED";
    }
    v.Packet(absl::StrFormat("truncated/cut_%03d", length), expect,
             absl::StrCat("the first ", length, " bytes of key_minimal"), cut);
  }
  // Cuts inside the section table with the checksum recomputed, so that the
  // section parser sees them. Section layout of key_minimal:
  //   [48] 0x01, [49] length L, [50, 50+L) layout, then 0x02, 4, payload.
  const Bytes layout = LayoutPayload(SmallLayout());
  const size_t layout_start = kPacketFixedHeaderSize + 2;
  const size_t layout_end = layout_start + layout.size();
  const size_t method_start = layout_end + 2;
  const size_t body_end = method_start + kMethodPayload.size();
  for (size_t cut = kPacketFixedHeaderSize; cut < body_end; ++cut) {
    Bytes packet_cut(packet.begin(), packet.begin() + cut);
    packet_cut.resize(cut + kPacketTrailerSize);
    std::string expect;
    if (cut == kPacketFixedHeaderSize) {
      expect = "SECTION_PRESENCE";  // no sections: a key without a layout
    } else if (cut == kPacketFixedHeaderSize + 1 || cut == layout_end + 1) {
      expect = "TRUNCATED";  // a section_type with no section_length
    } else if (cut < layout_end || cut > layout_end + 1) {
      expect = "LENGTH_OUT_OF_BOUNDS";  // section_length past the end
    } else {
      expect = "ok";  // cut == layout_end: the method section is optional
    }
    v.Packet(absl::StrFormat("truncated/body_%03d", cut), expect,
             absl::StrCat("key_minimal's header and first ",
                          cut - kPacketFixedHeaderSize,
                          " section bytes, checksum recomputed"),
             Rechecked(std::move(packet_cut)));
  }
}

void AddSectionVectors(VectorList& v) {
  const Bytes layout = LayoutPayload(SmallLayout());
  const PacketHeader key = KeyHeader(layout, 9);
  const Bytes layout_section = LayoutSection(layout);
  v.Packet("unknown_critical_section_20", "UNKNOWN_CRITICAL_SECTION",
           "section type 0x20, the first unassigned critical type",
           RawPacket(key, Concat({layout_section, {0x20, 0x01, 0x00}})));
  v.Packet("unknown_critical_section_7f", "UNKNOWN_CRITICAL_SECTION",
           "section type 0x7F, the last critical type",
           RawPacket(key, Concat({layout_section, {0x7F, 0x00}})));
  v.Packet("section_type_0", "INVALID_FIELD", "section type 0 is reserved",
           RawPacket(key, Concat({{0x00, 0x00}, layout_section})));
  v.Packet("sections_out_of_order", "SECTION_ORDER",
           "section 0x03 before 0x02",
           RawPacket(key, Concat({layout_section, {0x03, 0x00, 0x02, 0x00}})));
  v.Packet("section_repeated", "SECTION_ORDER", "section 0x02 twice",
           RawPacket(key, Concat({layout_section, {0x02, 0x00, 0x02, 0x00}})));
  v.Packet("section_length_past_end", "LENGTH_OUT_OF_BOUNDS",
           "section_length 5 with 2 bytes left",
           RawPacket(key, Concat({layout_section, {0x02, 0x05, 0xAA, 0xBB}})));
  v.Packet("section_length_huge", "LENGTH_OUT_OF_BOUNDS",
           "section_length 2^40, above what remains",
           RawPacket(key, Concat({layout_section,
                                  {0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20}})));
  v.Packet("section_length_over_limit", "LIMIT_EXCEEDED",
           "section_length 2^40 + 1, above kMaxPacketSize",
           RawPacket(key, Concat({layout_section, {0x02, 0x81, 0x80, 0x80, 0x80,
                                                   0x80, 0x20}})));
  v.Packet("section_length_not_minimal", "MALFORMED_VARINT",
           "section_length 0 written as 0x80 0x00",
           RawPacket(key, Concat({layout_section, {0x02, 0x80, 0x00}})));
  v.Packet("section_length_overflow", "MALFORMED_VARINT",
           "section_length varint of 11 bytes",
           RawPacket(key, Concat({layout_section,
                                  {0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0x01}})));
  v.Packet("section_length_bit_64", "MALFORMED_VARINT",
           "section_length varint whose tenth byte sets bit 64",
           RawPacket(key, Concat({layout_section,
                                  {0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x80, 0x80, 0x02}})));
  v.Packet("key_without_layout", "SECTION_PRESENCE",
           "a key packet with only a method section",
           RawPacket(key, {0x02, 0x01, 0x00}));
  {
    PacketHeader delta = DeltaHeader(layout, 9, 1);
    v.Packet("delta_with_layout", "SECTION_PRESENCE",
             "a delta packet carrying a layout section",
             RawPacket(delta, layout_section));
  }
}

// Layout payload pieces: one tensor entry.
Bytes TensorEntry(const Bytes& name, uint8_t dtype, const Bytes& rank_and_dims,
                  const Bytes& block_size) {
  Bytes out;
  ByteWriter writer(&out);
  writer.WriteLengthPrefixed(name);
  writer.WriteU8(dtype);
  writer.WriteBytes(rank_and_dims);
  writer.WriteBytes(block_size);
  return out;
}

void AddLayoutVectors(VectorList& v) {
  const Bytes w = {'w'};
  const Bytes ok_entry = TensorEntry(w, 1, {1, 4}, {0});
  v.Packet("layout_tensor_count_0", "INVALID_FIELD", "tensor_count 0",
           KeyWithLayoutBytes({0x00}, 0));
  v.Packet("layout_tensor_count_over_limit", "LIMIT_EXCEEDED",
           "tensor_count 2^20 + 1",
           KeyWithLayoutBytes(Concat({{0x81, 0x80, 0x40}, ok_entry}), 4));
  v.Packet("layout_tensor_count_past_end", "LENGTH_OUT_OF_BOUNDS",
           "tensor_count 2 with bytes for one",
           KeyWithLayoutBytes(Concat({{0x02}, ok_entry}), 4));
  v.Packet("layout_name_length_0", "INVALID_FIELD", "an empty tensor name",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry({}, 1, {1, 4}, {0})}),
                              4));
  v.Packet("layout_name_length_over_limit", "LIMIT_EXCEEDED",
           "name_length 1025",
           KeyWithLayoutBytes(Concat({{0x01, 0x81, 0x08}, Bytes(1025, 'a'),
                                      {1, 1, 4, 0}}),
                              4));
  v.Packet("layout_name_not_utf8", "INVALID_FIELD",
           "a tensor name with the byte 0xFF",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry({0xFF}, 1, {1, 4},
                                                          {0})}),
                              4));
  v.Packet("layout_name_nul", "INVALID_FIELD", "a tensor name holding NUL",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry({'a', 0}, 1, {1, 4},
                                                          {0})}),
                              4));
  v.Packet("layout_name_repeated", "INVALID_FIELD", "two tensors named w",
           KeyWithLayoutBytes(Concat({{0x02}, ok_entry, ok_entry}), 8));
  v.Packet("layout_dtype_0", "INVALID_FIELD", "dtype 0",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry(w, 0, {1, 4}, {0})}),
                              4));
  v.Packet("layout_dtype_4", "INVALID_FIELD", "dtype 4",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry(w, 4, {1, 4}, {0})}),
                              4));
  v.Packet("layout_rank_9", "LIMIT_EXCEEDED", "rank 9",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry(w, 1,
                                                          {9, 1, 1, 1, 1, 1, 1,
                                                           1, 1, 1},
                                                          {0})}),
                              1));
  v.Packet("layout_dim_over_limit", "LIMIT_EXCEEDED", "a dimension of 2^40 + 1",
           KeyWithLayoutBytes(
               Concat({{0x01}, TensorEntry(w, 1,
                                           {1, 0x81, 0x80, 0x80, 0x80, 0x80,
                                            0x20},
                                           {0})}),
               0));
  v.Packet("layout_big_dims_with_zero", "ok",
           "dimensions 2^40, 2, 0: a zero dimension makes the tensor empty",
           KeyWithLayoutBytes(
               Concat({{0x01}, TensorEntry(w, 1,
                                           {3, 0x80, 0x80, 0x80, 0x80, 0x80,
                                            0x20, 0x02, 0x00},
                                           {0})}),
               0));
  v.Packet("layout_dims_product_over_limit", "LIMIT_EXCEEDED",
           "dimensions 2^21 x 2^20, whose product exceeds 2^40",
           KeyWithLayoutBytes(
               Concat({{0x01}, TensorEntry(w, 1,
                                           {2, 0x80, 0x80, 0x80, 0x01, 0x80,
                                            0x80, 0x40},
                                           {0})}),
               0));
  v.Packet("layout_block_size_over_limit", "LIMIT_EXCEEDED",
           "block_size 2^30 + 1",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry(w, 1, {1, 4},
                                                          {0x81, 0x80, 0x80,
                                                           0x80, 0x04})}),
                              4));
  v.Packet("layout_trailing_bytes", "TRAILING_BYTES",
           "a byte after the last tensor entry",
           KeyWithLayoutBytes(Concat({{0x01}, ok_entry, {0x00}}), 4));
  v.Packet("layout_dim_not_minimal", "MALFORMED_VARINT",
           "a dimension of 4 written as 0x84 0x00",
           KeyWithLayoutBytes(Concat({{0x01}, TensorEntry(w, 1, {1, 0x84, 0x00},
                                                          {0})}),
                              4));
  v.Packet("layout_cut_in_entry", "TRUNCATED",
           "the layout section ends inside a tensor entry's dims",
           KeyWithLayoutBytes({0x01, 0x01, 'w', 0x01, 0x02, 0x04}, 4));
}

// ---------------------------------------------------------------------------
// Containers.

ContainerMetadata SmallMetadata() {
  ContainerMetadata metadata;
  metadata.layout = SmallLayout();
  metadata.settings = {{"block_size", "4"}, {"method", "vector-test"}};
  return metadata;
}

// Packets of a five-step stream: keys at 0 and 3.
std::vector<Bytes> StreamPackets() {
  const Bytes layout = LayoutPayload(SmallLayout());
  std::vector<Bytes> packets;
  for (uint64_t step = 0; step < 5; ++step) {
    const Bytes payload = {static_cast<uint8_t>(step), 0x11, 0x22};
    if (step == 0 || step == 3) {
      const internal::SectionData sections[] = {{0x01, layout},
                                                {0x02, payload}};
      packets.push_back(
          internal::SerializePacket(KeyHeader(layout, 9, step), sections));
    } else {
      const internal::SectionData sections[] = {{0x04, payload}};
      packets.push_back(
          internal::SerializePacket(DeltaHeader(layout, 9, step), sections));
    }
  }
  return packets;
}

struct WrittenStream {
  Bytes bytes;
  std::vector<uint64_t> record_offsets;
  uint64_t data_start = 0;
  uint64_t index_offset = 0;
};

WrittenStream WriteStream(bool finish) {
  WrittenStream stream;
  VectorByteSink sink(&stream.bytes);
  ContainerWriter writer = *ContainerWriter::Create(SmallMetadata(), &sink);
  stream.data_start = writer.bytes_written();
  for (const Bytes& packet : StreamPackets()) {
    stream.record_offsets.push_back(writer.bytes_written());
    if (!writer.AppendPacket(packet).ok()) std::abort();
  }
  stream.index_offset = writer.bytes_written();
  if (finish && !writer.Finish().ok()) std::abort();
  return stream;
}

// A file header with `metadata` bytes verbatim, checksummed.
Bytes FileHeader(const Bytes& metadata, uint8_t major = 1, uint16_t flags = 0) {
  Bytes out;
  ByteWriter writer(&out);
  writer.WriteBytes(absl::MakeConstSpan(internal::kContainerMagic));
  writer.WriteU8(major);
  writer.WriteU8(0);
  writer.WriteU16(flags);
  writer.WriteU32(static_cast<uint32_t>(metadata.size()));
  writer.WriteBytes(metadata);
  writer.WriteU64(internal::Xxh3(out));
  return out;
}

Bytes MetadataSection(uint8_t type, const Bytes& payload) {
  Bytes out;
  ByteWriter writer(&out);
  writer.WriteU8(type);
  writer.WriteLengthPrefixed(payload);
  return out;
}

void AddContainerVectors(VectorList& v) {
  const WrittenStream full = WriteStream(true);
  const WrittenStream open = WriteStream(false);
  v.Container("stream_complete", "ok packets=5 valid=5 index=yes stop=OK",
              "five packets (keys at 0 and 3), index and tail", full.bytes);
  v.Container("stream_no_index", "ok packets=5 valid=5 index=no stop=OK",
              "the same stream whose writer stopped before the index",
              open.bytes);
  {
    const Bytes cut(open.bytes.begin(), open.bytes.end() - 5);
    v.Container("stream_torn_last_packet",
                "ok packets=4 valid=4 index=no stop=TRUNCATED",
                "no index and the last packet cut short", cut);
  }
  {
    const Bytes cut(full.bytes.begin(), full.bytes.end() - 1);
    v.Container("stream_torn_tail", "ok packets=5 valid=5 index=no stop=TRUNCATED",
                "the last byte of the tail missing: the scan stops at the "
                "index record",
                cut);
  }
  {
    Bytes corrupt = open.bytes;
    corrupt[open.record_offsets[2] + 20] ^= 0x40;
    v.Container("stream_corrupt_packet_no_index",
                "ok packets=2 valid=2 index=no stop=CHECKSUM_MISMATCH",
                "no index and a bit flipped in the third packet", corrupt);
  }
  {
    Bytes corrupt = full.bytes;
    corrupt[full.record_offsets[2] + 30] ^= 0x40;
    v.Container("stream_corrupt_packet_indexed",
                "ok packets=5 valid=4 index=yes stop=OK",
                "index present and a bit flipped inside the third packet: the "
                "index is used and that packet fails its checksum",
                corrupt);
  }
  {
    Bytes corrupt = full.bytes;
    corrupt[full.index_offset + 3] ^= 0x01;
    v.Container("stream_index_checksum",
                "ok packets=5 valid=5 index=no stop=CHECKSUM_MISMATCH",
                "a bit flipped in the index: the reader scans instead",
                corrupt);
  }
  {
    Bytes corrupt = full.bytes;
    Patch(&corrupt, corrupt.size() - internal::kContainerTailSize,
          full.data_start - 1, 8);
    v.Container("stream_index_offset_out_of_range",
                "ok packets=5 valid=5 index=no stop=INVALID_FIELD",
                "index_offset points into the file header", corrupt);
  }
  {
    Bytes garbage = open.bytes;
    garbage.push_back('Z');
    v.Container("stream_bad_record_tag",
                "ok packets=5 valid=5 index=no stop=INVALID_FIELD",
                "a byte that is not a record tag after the last packet",
                garbage);
  }
  {
    const Bytes header(full.bytes.begin(),
                       full.bytes.begin() + static_cast<long>(full.data_start));
    v.Container("header_only", "ok packets=0 valid=0 index=no stop=OK",
                "a file header and nothing else", header);
  }
  // Invalid file headers.
  const Bytes layout_meta =
      MetadataSection(0x01, LayoutPayload(SmallLayout()));
  v.Container("empty", "TRUNCATED", "zero bytes", {});
  {
    Bytes bad = full.bytes;
    bad[3] = 'X';
    v.Container("bad_magic", "BAD_MAGIC", "magic GCSX", bad);
  }
  v.Container("version_major_2", "UNSUPPORTED_VERSION", "version_major 2",
              FileHeader(layout_meta, 2));
  v.Container("flags_1", "INVALID_FIELD", "flags 1",
              FileHeader(layout_meta, 1, 1));
  {
    Bytes bad = FileHeader(layout_meta);
    bad.back() ^= 0x80;
    v.Container("header_checksum", "CHECKSUM_MISMATCH",
                "the header checksum's top bit flipped", bad);
  }
  {
    Bytes bad = FileHeader(layout_meta);
    Patch(&bad, 8, kMaxMetadataSize + 1, 4);
    v.Container("metadata_size_over_limit", "LIMIT_EXCEEDED",
                "metadata_size 64 MiB + 1", bad);
  }
  {
    Bytes bad = FileHeader(layout_meta);
    Patch(&bad, 8, 1000, 4);
    v.Container("metadata_size_past_end", "TRUNCATED",
                "metadata_size 1000 in a shorter file", bad);
  }
  v.Container("metadata_without_layout", "SECTION_PRESENCE",
              "settings but no layout",
              FileHeader(MetadataSection(0x02, {0x00})));
  v.Container("metadata_unknown_critical", "UNKNOWN_CRITICAL_SECTION",
              "metadata section type 0x03",
              FileHeader(Concat({layout_meta, MetadataSection(0x03, {})})));
  v.Container("metadata_unknown_skippable",
              "ok packets=0 valid=0 index=no stop=OK",
              "metadata section type 0x90 is skipped",
              FileHeader(Concat({layout_meta, MetadataSection(0x90, {1})})));
  v.Container("settings_keys_unsorted", "INVALID_FIELD",
              "setting keys b then a",
              FileHeader(Concat({layout_meta,
                                 MetadataSection(0x02, {0x02, 0x01, 'b', 0x00,
                                                        0x01, 'a', 0x00})})));
  v.Container("settings_key_empty", "INVALID_FIELD", "an empty setting key",
              FileHeader(Concat({layout_meta,
                                 MetadataSection(0x02, {0x01, 0x00, 0x00})})));
  v.Container("layout_error_before_order_error", "SECTION_ORDER",
              "a bad layout followed by out-of-order sections: the section "
              "table is checked before any section's contents",
              FileHeader(Concat({MetadataSection(0x01, {0x00}),
                                 MetadataSection(0x90, {}),
                                 MetadataSection(0x85, {})})));
  {
    // An index whose entries are garbage but whose checksum is wrong too:
    // the checksum is reported, as for packets and file headers.
    Bytes corrupt = full.bytes;
    corrupt[full.index_offset + 1] = 0xFF;  // entry_count: a runaway varint
    v.Container("stream_index_garbage_checksum_first",
                "ok packets=5 valid=5 index=no stop=CHECKSUM_MISMATCH",
                "an index with a malformed entry_count and a stale checksum",
                corrupt);
  }
  v.Container("settings_count_past_end", "LENGTH_OUT_OF_BOUNDS",
              "setting_count 5 with bytes for one",
              FileHeader(Concat({layout_meta,
                                 MetadataSection(0x02,
                                                 {0x05, 0x01, 'a', 0x00})})));
  // Every cut of a file header.
  const Bytes header(full.bytes.begin(),
                     full.bytes.begin() + static_cast<long>(full.data_start));
  for (size_t length = 1; length < header.size(); ++length) {
    v.Container(absl::StrFormat("truncated/header_%03d", length), "TRUNCATED",
                absl::StrCat("the first ", length, " bytes of a file header"),
                Bytes(header.begin(), header.begin() + length));
  }
}

}  // namespace

const char* KindName(VectorKind kind) {
  switch (kind) {
    case VectorKind::kPacket: return "packet";
    case VectorKind::kContainer: return "container";
    case VectorKind::kByteStream: return "byte_stream";
    case VectorKind::kBitStream: return "bit_stream";
    case VectorKind::kStream: return "stream";
  }
  return "?";
}

std::vector<TestVector> BuildVectorSet() {
  VectorList v;
  AddValidPackets(v);
  AddHeaderVectors(v);
  AddTruncations(v);
  AddSectionVectors(v);
  AddLayoutVectors(v);
  AddContainerVectors(v);
  AddEntropyVectors([&](VectorKind kind, std::string path, std::string expect,
                        std::string description, Bytes bytes) {
    v.Add(kind, std::move(path), std::move(expect), std::move(description),
          std::move(bytes));
  });
  AddMethodVectors([&](VectorKind kind, std::string path, std::string expect,
                        std::string description, Bytes bytes) {
    v.Add(kind, std::move(path), std::move(expect), std::move(description),
          std::move(bytes));
  });
  std::vector<TestVector> vectors = v.Take();
  std::sort(vectors.begin(), vectors.end(),
            [](const TestVector& a, const TestVector& b) {
              return a.path < b.path;
            });
  return vectors;
}

std::string ManifestText(const std::vector<TestVector>& vectors) {
  std::string text = "# path\tkind\texpect\tdescription\n";
  for (const TestVector& vector : vectors) {
    absl::StrAppend(&text, vector.path, "\t", KindName(vector.kind), "\t",
                    vector.expect, "\t", vector.description, "\n");
  }
  return text;
}

std::string VectorSetDigest(const std::vector<TestVector>& vectors) {
  Bytes all;
  const std::string manifest = ManifestText(vectors);
  all.insert(all.end(), manifest.begin(), manifest.end());
  for (const TestVector& vector : vectors) {
    all.insert(all.end(), vector.bytes.begin(), vector.bytes.end());
  }
  return absl::StrFormat("%016x", internal::Xxh3(all));
}

}  // namespace gradcodec::spec
