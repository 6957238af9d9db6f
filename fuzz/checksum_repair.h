// Checksum repair for fuzz inputs.
//
// Every gradcodec structure is checksummed, so almost every mutation a
// fuzzer makes is rejected at the checksum and never reaches the parsers
// behind it. Each target therefore runs twice per input: once on the bytes
// as given, and once after these functions rewrite every checksum they can
// locate, so that mutations reach the header, section, layout, settings and
// index parsers.
#ifndef GRADCODEC_FUZZ_CHECKSUM_REPAIR_H_
#define GRADCODEC_FUZZ_CHECKSUM_REPAIR_H_

#include <cstdint>
#include <vector>

namespace gradcodec::fuzz {

// Rewrites the trailing checksum of a packet (if it is long enough to have
// one).
void RepairPacketChecksum(std::vector<uint8_t>& packet);

// Rewrites the file header checksum, each packet record's checksum and the
// index checksum of a .gcs file, as far as its framing can be followed.
void RepairContainerChecksums(std::vector<uint8_t>& file);

}  // namespace gradcodec::fuzz

#endif  // GRADCODEC_FUZZ_CHECKSUM_REPAIR_H_
