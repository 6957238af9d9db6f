#include "format/container_metadata.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "format/byte_reader.h"
#include "format/byte_writer.h"
#include "format/container_format.h"
#include "format/layout_section.h"
#include "format/section_table.h"
#include "format/section_types.h"
#include "format/utf8.h"
#include "gradcodec/error_code.h"
#include "gradcodec/limits.h"

namespace gradcodec::internal {
namespace {

absl::Status CheckSetting(size_t index, absl::string_view key,
                          absl::string_view value) {
  if (key.empty()) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("setting ", index,
                                  ": field `key_length` is 0; keys must not be "
                                  "empty"));
  }
  if (key.size() > kMaxSettingKeyLength) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("setting ", index, ": field `key_length` is ",
                                  key.size(), "; the limit is ",
                                  kMaxSettingKeyLength));
  }
  if (value.size() > kMaxSettingValueLength) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("setting \"", key, "\": field `value_length` "
                                  "is ", value.size(), "; the limit is ",
                                  kMaxSettingValueLength));
  }
  if (!IsValidUtf8WithoutNul(key) || !IsValidUtf8WithoutNul(value)) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("setting ", index,
                                  ": `key` or `value` is not UTF-8 without "
                                  "NUL"));
  }
  return absl::OkStatus();
}

void SerializeSettings(
    std::vector<std::pair<std::string, std::string>> settings,
    std::vector<uint8_t>* out) {
  std::sort(settings.begin(), settings.end());
  ByteWriter writer(out);
  writer.WriteVarint(settings.size());
  for (const auto& [key, value] : settings) {
    writer.WriteLengthPrefixed(key);
    writer.WriteLengthPrefixed(value);
  }
}

absl::Status ParseSettings(
    absl::Span<const uint8_t> payload, size_t base_offset,
    std::vector<std::pair<std::string, std::string>>* settings) {
  ByteReader reader(payload, base_offset);
  uint64_t count = 0;
  if (absl::Status s = reader.ReadCount("setting_count", kMaxSettingCount,
                                        kMinSettingSize, &count);
      !s.ok()) {
    return s;
  }
  settings->reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    absl::Span<const uint8_t> key;
    absl::Span<const uint8_t> value;
    if (absl::Status s =
            reader.ReadLengthPrefixed("key_length", kMaxSettingKeyLength, &key);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = reader.ReadLengthPrefixed(
            "value_length", kMaxSettingValueLength, &value);
        !s.ok()) {
      return s;
    }
    auto& [k, v] = settings->emplace_back(std::string(key.begin(), key.end()),
                                          std::string(value.begin(), value.end()));
    if (absl::Status s = CheckSetting(i, k, v); !s.ok()) return s;
    if (i > 0 && !((*settings)[i - 1].first < k)) {
      return MakeError(ErrorCode::kInvalidField,
                       absl::StrCat("setting ", i, ": field `key` \"", k,
                                    "\" does not follow \"",
                                    (*settings)[i - 1].first,
                                    "\"; keys must strictly increase"));
    }
  }
  return reader.ExpectEnd("the settings section");
}

}  // namespace

absl::Status ValidateSettings(
    absl::Span<const std::pair<std::string, std::string>> settings) {
  if (settings.size() > kMaxSettingCount) {
    return MakeError(ErrorCode::kLimitExceeded,
                     absl::StrCat("there are ", settings.size(),
                                  " settings; the limit is ",
                                  kMaxSettingCount));
  }
  std::vector<absl::string_view> keys;
  keys.reserve(settings.size());
  for (size_t i = 0; i < settings.size(); ++i) {
    if (absl::Status s = CheckSetting(i, settings[i].first, settings[i].second);
        !s.ok()) {
      return s;
    }
    keys.push_back(settings[i].first);
  }
  std::sort(keys.begin(), keys.end());
  if (auto dup = std::adjacent_find(keys.begin(), keys.end());
      dup != keys.end()) {
    return MakeError(ErrorCode::kInvalidField,
                     absl::StrCat("setting key \"", *dup, "\" appears twice"));
  }
  return absl::OkStatus();
}

uint64_t SerializeMetadata(const ContainerMetadata& metadata,
                           std::vector<uint8_t>* out) {
  ByteWriter writer(out);
  std::vector<uint8_t> payload;
  SerializeLayout(metadata.layout, &payload);
  const uint64_t layout_fingerprint = LayoutFingerprint(payload);
  writer.WriteU8(kMetadataLayout);
  writer.WriteLengthPrefixed(payload);
  if (!metadata.settings.empty()) {
    payload.clear();
    SerializeSettings(metadata.settings, &payload);
    writer.WriteU8(kMetadataSettings);
    writer.WriteLengthPrefixed(payload);
  }
  return layout_fingerprint;
}

absl::StatusOr<ContainerMetadata> ParseMetadata(
    absl::Span<const uint8_t> bytes, size_t base_offset,
    uint64_t* layout_fingerprint) {
  // As in a packet, the whole section table is read before any section's
  // contents, so errors come in the same order in both structures.
  ByteReader reader(bytes, base_offset);
  std::optional<SectionView> layout_section;
  std::optional<SectionView> settings_section;
  absl::Status status = ReadSectionTable(
      reader, kMaxMetadataSize,
      [](uint8_t type) {
        return type == kMetadataLayout || type == kMetadataSettings;
      },
      [&](const SectionView& section, bool known) {
        if (known) {
          (section.type == kMetadataLayout ? layout_section
                                           : settings_section) = section;
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (!layout_section.has_value()) {
    return MakeError(ErrorCode::kSectionPresence,
                     "the file header must carry a layout section (type 1)");
  }
  ContainerMetadata metadata;
  absl::StatusOr<Layout> layout =
      ParseLayout(layout_section->payload, layout_section->offset);
  if (!layout.ok()) return layout.status();
  metadata.layout = *std::move(layout);
  *layout_fingerprint = LayoutFingerprint(layout_section->payload);
  if (settings_section.has_value()) {
    if (absl::Status s = ParseSettings(settings_section->payload,
                                       settings_section->offset,
                                       &metadata.settings);
        !s.ok()) {
      return s;
    }
  }
  return metadata;
}

}  // namespace gradcodec::internal
