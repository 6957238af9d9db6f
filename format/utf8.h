// UTF-8 validation for names and settings read from input.
#ifndef GRADCODEC_FORMAT_UTF8_H_
#define GRADCODEC_FORMAT_UTF8_H_

#include "absl/strings/string_view.h"

namespace gradcodec::internal {

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) and holds no NUL character.
bool IsValidUtf8WithoutNul(absl::string_view text);

}  // namespace gradcodec::internal

#endif  // GRADCODEC_FORMAT_UTF8_H_
