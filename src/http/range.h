#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace cangku::http {

// An inclusive byte range [first, last].
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
};

// Parses a request's `Range` header against a resource of `size` bytes. Supports a single
// range: "bytes=a-b", "bytes=a-" and the suffix form "bytes=-n"; `last` is clamped to size-1.
// Errors: kInvalidArgument for a header that is not a single byte range (callers ignore the
// header then, as RFC 9110 allows); kOutOfRange when the range is unsatisfiable (416).
StatusOr<ByteRange> ParseRange(std::string_view header, uint64_t size);

// Parses a PATCH request's `Content-Range`: "a-b" as the distribution spec writes it, or the
// RFC form "bytes a-b/total" / "bytes a-b/*". Errors: kInvalidArgument when malformed or
// when b < a.
StatusOr<ByteRange> ParseContentRange(std::string_view header);

}  // namespace cangku::http
