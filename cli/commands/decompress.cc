#include "cli/commands/decompress.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/commands/stream_file.h"
#include "cli/dump/npy.h"
#include "cli/dump/npz.h"
#include "cli/dump/safetensors.h"
#include "cli/dump/tensor_bytes.h"
#include "cli/exit_codes.h"
#include "cli/io/file_io.h"
#include "cli/report/progress.h"
#include "gradcodec/decoder.h"

namespace gradcodec::cli {
namespace {

int Fail(const absl::Status& status, std::ostream& err) {
  return ReportFailure("decompress", status, err);
}

// The tensors of one decoded step, each narrowed to its dtype.
std::vector<DumpTensor> SplitStep(const Layout& layout,
                                  const std::vector<float>& flat) {
  std::vector<DumpTensor> tensors;
  uint64_t at = 0;
  for (const TensorSpec& spec : layout.tensors) {
    DumpTensor t;
    t.name = spec.name;
    t.shape = spec.shape;
    t.dtype = spec.dtype;
    const uint64_t n = spec.element_count();
    t.values.assign(flat.begin() + static_cast<ptrdiff_t>(at),
                    flat.begin() + static_cast<ptrdiff_t>(at + n));
    at += n;
    tensors.push_back(std::move(t));
  }
  return tensors;
}

absl::Status WriteStep(const std::string& step_name,
                       std::vector<DumpTensor> tensors, OutputFormat format,
                       StagedFiles& files) {
  switch (format) {
    case OutputFormat::kSafetensors:
      return files.Write(step_name + ".safetensors",
                         SerializeSafetensors(tensors));
    case OutputFormat::kNpz: {
      absl::StatusOr<std::vector<uint8_t>> npz = SerializeNpz(tensors);
      if (!npz.ok()) return npz.status();
      return files.Write(step_name + ".npz", *npz);
    }
    case OutputFormat::kNpy:
      for (const DumpTensor& t : tensors) {
        const std::string name = absl::StrReplaceAll(t.name, {{"/", "%2F"}});
        if (absl::Status s = files.Write(
                absl::StrCat(step_name, ".", name, ".npy"), SerializeNpy(t));
            !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
  }
  return absl::InternalError("unknown output format");
}

}  // namespace

absl::StatusOr<StepRange> ParseStepRange(const std::string& text) {
  StepRange range;
  const size_t colon = text.find(':');
  const std::string first = text.substr(0, colon);
  const std::string second =
      colon == std::string::npos ? "" : text.substr(colon + 1);
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "--steps '", text, "' is not A:B, A:, :B or A (step numbers from 0)"));
  };
  uint64_t value;
  if (!first.empty()) {
    if (!absl::SimpleAtoi(first, &value)) return bad();
    range.begin = value;
  }
  if (colon == std::string::npos) {
    if (first.empty()) return bad();
    range.end = range.begin + 1;
  } else if (!second.empty()) {
    if (!absl::SimpleAtoi(second, &value)) return bad();
    range.end = value;
  }
  if (range.end && *range.end < range.begin) return bad();
  return range;
}

int RunDecompress(const DecompressOptions& options, std::ostream& out,
                  std::ostream& err) {
  absl::StatusOr<std::unique_ptr<StreamFile>> file =
      StreamFile::Open(options.input);
  if (!file.ok()) return Fail(file.status(), err);
  const ContainerReader& container = *(*file)->container;
  const auto entries = container.entries();
  const uint64_t end = std::min<uint64_t>(
      options.steps.end.value_or(entries.size()), entries.size());
  if (options.steps.begin >= end) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
                    options.input, ": holds ", entries.size(),
                    " steps; --steps selects none of them")),
                err);
  }
  // Decoding starts at the key packet at or before the first step asked for.
  absl::StatusOr<size_t> key =
      container.FindKeyAtOrBefore(entries[options.steps.begin].sequence);
  if (!key.ok()) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
                    options.input, ": no key packet at or before step ",
                    options.steps.begin)),
                err);
  }
  absl::StatusOr<StagedFiles> files = StagedFiles::Create(options.output_dir);
  if (!files.ok()) return Fail(files.status(), err);
  absl::StatusOr<std::unique_ptr<Decoder>> decoder = Decoder::Create();
  if (!decoder.ok()) return Fail(decoder.status(), err);
  const Layout& layout = container.metadata().layout;
  std::vector<float> flat(layout.coordinate_count());
  Progress progress("decompress: step", end, options.quiet);
  uint64_t written = 0;
  for (size_t i = *key; i < end; ++i) {
    if (absl::Status s =
            (*decoder)->Decode(container.packet(i), absl::MakeSpan(flat));
        !s.ok()) {
      return Fail(absl::Status(s.code(),
                               absl::StrCat(options.input, ": packet ", i,
                                            " (sequence ", entries[i].sequence,
                                            ", byte offset ",
                                            entries[i].record_offset,
                                            "): ", s.message())),
                  err);
    }
    if (i >= options.steps.begin) {
      if (absl::Status s = WriteStep((*file)->StepName(i),
                                     SplitStep(layout, flat), options.format,
                                     *files);
          !s.ok()) {
        return Fail(s, err);
      }
      ++written;
    }
    progress.Update(i + 1);
  }
  if (absl::Status s = files->Commit(); !s.ok()) return Fail(s, err);
  if (!options.quiet) {
    out << "gradcodec decompress: wrote " << written << " steps ("
        << options.steps.begin << " to " << end - 1 << ") to "
        << options.output_dir << "\n";
  }
  return kExitOk;
}

}  // namespace gradcodec::cli
