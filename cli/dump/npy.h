// NumPy's .npy format (numpy.lib.format, versions 1.0 to 3.0): the magic
// "\x93NUMPY", a version, a little-endian header length, and a Python dict
// literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} padded with
// spaces, then the raw array.
#ifndef GRADCODEC_CLI_DUMP_NPY_H_
#define GRADCODEC_CLI_DUMP_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cli/dump/dump_tensor.h"

namespace gradcodec::cli {

// The array name a lone .npy file gets: the one np.savez gives an unnamed
// array, so that a folder of .npy steps and of single-array .npz steps read
// alike.
inline constexpr char kLoneArrayName[] = "arr_0";

// Whether the array of an .npy is a float tensor gradcodec reads.
enum class NpyContent { kTensor, kSkipped };

// Parses one .npy (`where` names it in messages: a path, or
// "path: member 'x.npy'"). Little- and big-endian float32 and float16, C
// and Fortran order (Fortran arrays are transposed to C order). Integer,
// boolean and complex arrays yield kSkipped with a note in `skip_note`;
// other dtypes (float64, strings, records, objects) are an error.
absl::StatusOr<NpyContent> ParseNpy(const std::string& where,
                                    absl::Span<const uint8_t> file,
                                    DumpTensor* tensor,
                                    std::string* skip_note);

// Serialises a tensor as a version 1.0 .npy, little-endian, C order; bf16
// (which NumPy lacks) is widened to float32.
std::vector<uint8_t> SerializeNpy(const DumpTensor& tensor);

}  // namespace gradcodec::cli

#endif  // GRADCODEC_CLI_DUMP_NPY_H_
