// gradcodec error codes.
//
// One numbered, append-only list shared by every layer (spec/FORMAT.md,
// section "Errors", gives the condition that requires each code). Every
// fallible gradcodec call returns an absl::Status whose canonical code is the
// one listed beside each value below and which carries the exact ErrorCode as
// a payload, so `GetErrorCode(status)` recovers it across API boundaries.
//
// Numbers are part of the C API and the spec: never renumber or reuse one.
#ifndef GRADCODEC_ERROR_CODE_H_
#define GRADCODEC_ERROR_CODE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gradcodec {

enum class ErrorCode : uint32_t {
  kOk = 0,
  // The input ends before a field it must hold.              kDataLoss
  kTruncated = 1,
  // A magic number is not the one the structure requires.    kInvalidArgument
  kBadMagic = 2,
  // The major format version is not one this build reads.   kUnimplemented
  kUnsupportedVersion = 3,
  // A stored XXH3-64 checksum does not match the bytes.      kDataLoss
  kChecksumMismatch = 4,
  // A LEB128 varint is longer than 10 bytes, overflows 64
  // bits, or is not in its shortest form.                    kDataLoss
  kMalformedVarint = 5,
  // A field holds a value the spec does not allow.           kDataLoss
  kInvalidField = 6,
  // A count or size exceeds a documented limit.              kResourceExhausted
  kLimitExceeded = 7,
  // A section type in the critical range is not known.       kUnimplemented
  kUnknownCriticalSection = 8,
  // A length field claims more bytes than remain.            kDataLoss
  kLengthOutOfBounds = 9,
  // Sections are not in strictly increasing type order
  // (which also rules out a repeated type).                  kDataLoss
  kSectionOrder = 10,
  // A section the packet kind requires is absent, or one it
  // forbids is present.                                      kDataLoss
  kSectionPresence = 11,
  // Bytes remain after the structure should have ended.      kDataLoss
  kTrailingBytes = 12,
  // A delta packet's sequence number is not the one the
  // decoder expects next.                                    kFailedPrecondition
  kSequenceMismatch = 13,
  // A delta packet was encoded against a reference state
  // (or layout) the decoder does not hold.                   kFailedPrecondition
  kReferenceMismatch = 14,
  // A caller passed an invalid argument or option.           kInvalidArgument
  kInvalidArgument = 15,
  // An entropy-coded payload does not decode consistently.   kDataLoss
  kCorruptPayload = 16,
  // The input to an encoder holds NaN or Inf.                kInvalidArgument
  kNonFiniteInput = 17,
  // Reading or writing a file failed.                        kUnavailable
  kIoError = 18,
  // A call was made in a state that does not allow it.       kFailedPrecondition
  kBadState = 19,
  // Something the caller asked for does not exist.           kNotFound
  kNotFound = 20,
  // An internal invariant failed (a bug in gradcodec).       kInternal
  kInternal = 21,
  // A packet's method_id names a method this build does not
  // implement.                                               kUnimplemented
  kUnsupportedMethod = 22,
};

// One past the largest ErrorCode value; tests iterate [0, kErrorCodeCount).
inline constexpr uint32_t kErrorCodeCount = 23;

// The stable upper-snake name of `code` as the spec writes it, for example
// "CHECKSUM_MISMATCH"; "UNKNOWN_ERROR_CODE" for values outside the list.
absl::string_view ErrorCodeName(ErrorCode code);

// Parses a name produced by ErrorCodeName. Returns false for unknown names.
bool ErrorCodeFromName(absl::string_view name, ErrorCode* code);

// The absl::StatusCode a given ErrorCode maps to (kOk -> absl::StatusCode::kOk).
absl::StatusCode CanonicalCode(ErrorCode code);

// Builds a status with the canonical code of `code`, a message prefixed by the
// code's name, and `code` attached as a payload.
absl::Status MakeError(ErrorCode code, absl::string_view message);

// Recovers the exact ErrorCode from a status built by gradcodec. An OK status
// gives kOk; a status that did not come from gradcodec gives kInternal.
ErrorCode GetErrorCode(const absl::Status& status);

}  // namespace gradcodec

#endif  // GRADCODEC_ERROR_CODE_H_
