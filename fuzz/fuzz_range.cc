// Fuzzes the parsing of Range and Content-Range headers and of query strings: the first byte
// picks the resource size's scale, the rest is the header text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/range.h"
#include "http/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint64_t resource = (uint64_t{1} << (data[0] % 48)) + data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto range = cangku::http::ParseRange(text, resource);
  if (range.ok()) {
    // An accepted range always lies inside the resource and is non-empty.
    if (range->first > range->last || range->last >= resource) std::abort();
  } else if (range.status().code() != cangku::StatusCode::kInvalidArgument &&
             range.status().code() != cangku::StatusCode::kOutOfRange) {
    std::abort();
  }
  auto content_range = cangku::http::ParseContentRange(text);
  if (content_range.ok() && content_range->first > content_range->last) std::abort();

  if (auto decoded = cangku::http::PercentDecode(text)) {
    // Encoding what was decoded and decoding again gives the same text.
    auto again = cangku::http::PercentDecode(cangku::http::PercentEncode(*decoded));
    if (!again || *again != *decoded) std::abort();
  }
  (void)cangku::http::QueryValue(text, "n");
  return 0;
}
