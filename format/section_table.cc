#include "format/section_table.h"

#include "absl/strings/str_cat.h"
#include "format/section_types.h"
#include "gradcodec/error_code.h"

namespace gradcodec::internal {

absl::Status ReadSectionTable(
    ByteReader& reader, uint64_t max_section_size,
    absl::FunctionRef<bool(uint8_t)> is_known,
    absl::FunctionRef<absl::Status(const SectionView&, bool known)> visit) {
  int previous_type = 0;
  while (!reader.empty()) {
    const size_t type_offset = reader.absolute_position();
    uint8_t type = 0;
    if (absl::Status s = reader.ReadU8("section_type", &type); !s.ok()) {
      return s;
    }
    if (type == 0) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("field `section_type` at offset ",
                                    type_offset, " is 0, which is reserved"));
    }
    if (type <= previous_type) {
      return MakeError(
          ErrorCode::kSectionOrder,
          absl::StrCat("field `section_type` at offset ", type_offset, " is 0x",
                       absl::Hex(type, absl::kZeroPad2), " after 0x",
                       absl::Hex(previous_type, absl::kZeroPad2),
                       "; types must strictly increase"));
    }
    previous_type = type;
    const bool known = is_known(type);
    if (!known && !IsSkippableSectionType(type)) {
      return MakeError(
          ErrorCode::kUnknownCriticalSection,
          absl::StrCat("field `section_type` at offset ", type_offset, " is 0x",
                       absl::Hex(type, absl::kZeroPad2),
                       ", a critical type this build does not know"));
    }
    SectionView section;
    section.type = type;
    if (absl::Status s = reader.ReadLengthPrefixed(
            "section_length", max_section_size, &section.payload);
        !s.ok()) {
      return s;
    }
    section.offset = reader.absolute_position() - section.payload.size();
    if (absl::Status s = visit(section, known); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace gradcodec::internal
