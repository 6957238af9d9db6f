#include "cli/commands/verify.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "cli/commands/stream_file.h"
#include "cli/exit_codes.h"
#include "gradcodec/decoder.h"
#include "gradcodec/packet_info.h"

namespace gradcodec::cli {
namespace {

struct Problem {
  absl::Status status;
  std::string where;  // "packet 3 (sequence 3) at byte 1234", or "file header"
  uint64_t byte_offset = 0;
  int64_t packet = -1;
};

// The first problem of an opened file, if any.
std::optional<Problem> FindProblem(const StreamFile& file) {
  const ContainerReader& container = *file.container;
  const auto entries = container.entries();
  auto packet_problem = [&](size_t i, const absl::Status& status) {
    return Problem{status,
                   absl::StrCat("packet ", i, " (sequence ",
                                entries[i].sequence, ") at byte ",
                                entries[i].record_offset),
                   entries[i].record_offset, static_cast<int64_t>(i)};
  };
  // Framing and checksums first, so that a flipped bit is reported as
  // such rather than as whatever decoding makes of it.
  for (size_t i = 0; i < entries.size(); ++i) {
    absl::StatusOr<PacketInfo> info = ReadPacketInfo(container.packet(i));
    if (!info.ok()) return packet_problem(i, info.status());
    if (info->header.layout_fingerprint != container.layout_fingerprint()) {
      return packet_problem(
          i, absl::InvalidArgumentError(
                 "the packet's layout_fingerprint is not the file's"));
    }
  }
  if (!container.has_index()) {
    const absl::Status& stop = container.stop_reason();
    if (!stop.ok()) {
      // The scan stopped inside a packet record (tag 'P') or elsewhere
      // (the index, or bytes that are no record).
      const uint64_t at = container.stop_offset();
      const bool packet = at < file.bytes.size() && file.bytes[at] == 'P';
      const auto next = static_cast<int64_t>(entries.size());
      return Problem{stop,
                     packet ? absl::StrCat("packet ", next, " at byte ", at)
                            : absl::StrCat("the record at byte ", at),
                     at, packet ? next : -1};
    }
    return Problem{
        absl::DataLossError(absl::StrCat(
            "the file has no usable index (", container.index_status().message(),
            "): its writer did not finish")),
        absl::StrCat("byte ", container.stop_offset()), container.stop_offset(),
        -1};
  }
  absl::StatusOr<std::unique_ptr<Decoder>> decoder = Decoder::Create();
  if (!decoder.ok()) return Problem{decoder.status(), "decoder", 0, -1};
  std::vector<float> out(container.metadata().layout.coordinate_count());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (absl::Status s = (*decoder)->Decode(container.packet(i),
                                            absl::MakeSpan(out));
        !s.ok()) {
      return packet_problem(i, s);
    }
  }
  return std::nullopt;
}

}  // namespace

int RunVerify(const VerifyOptions& options, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<std::unique_ptr<StreamFile>> file =
      StreamFile::Open(options.input);
  std::optional<Problem> problem;
  if (!file.ok()) {
    if (ExitCodeFor(file.status()) == kExitIoError) {
      err << "gradcodec verify: " << file.status().message() << "\n";
      return kExitIoError;
    }
    // The message already names the file and the header.
    problem = Problem{file.status(), "", 0, -1};
  } else {
    problem = FindProblem(**file);
  }
  const size_t packets = file.ok() ? (*file)->container->entries().size() : 0;
  if (options.json) {
    nlohmann::json json = {{"file", options.input},
                           {"ok", !problem.has_value()},
                           {"packets", packets}};
    if (problem) {
      json["problem"] = {{"where", problem->where.empty() ? "file header"
                                                         : problem->where},
                         {"byte_offset", problem->byte_offset},
                         {"packet", problem->packet},
                         {"error", std::string(problem->status.message())}};
    }
    out << json.dump(2) << "\n";
  } else if (problem && problem->where.empty()) {
    err << "gradcodec verify: " << problem->status.message() << "\n";
  } else if (problem) {
    err << "gradcodec verify: " << options.input << ": " << problem->where
        << ": " << problem->status.message() << "\n";
  } else if (!options.quiet) {
    out << options.input << ": OK, " << packets
        << " packets, every checksum valid, every packet decoded\n";
  }
  return problem ? kExitBadInput : kExitOk;
}

}  // namespace gradcodec::cli
