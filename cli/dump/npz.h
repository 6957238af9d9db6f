// NumPy's .npz: a zip archive of .npy members, stored (np.savez) or
// deflated (np.savez_compressed); each member's name less ".npy" is the
// array's name. Read and written with libzip.
#ifndef GRADCODEC_CLI_DUMP_NPZ_H_
#define GRADCODEC_CLI_DUMP_NPZ_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cli/dump/dump_tensor.h"

namespace gradcodec::cli {

// Parses a whole .npz, members in archive order. Errors (INVALID_ARGUMENT)
// name `path`, the member and the problem: not a zip archive, a member that
// is not .npy or fails its CRC, anything ParseNpy rejects.
absl::StatusOr<DumpStep> ParseNpz(const std::string& path,
                                  absl::Span<const uint8_t> file);

// Serialises tensors as an uncompressed .npz, as np.savez writes it.
absl::StatusOr<std::vector<uint8_t>> SerializeNpz(
    const std::vector<DumpTensor>& tensors);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_NPZ_H_
