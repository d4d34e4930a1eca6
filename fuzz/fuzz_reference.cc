// Fuzzes the name, tag, digest and reference grammars: nothing may crash, and whatever is
// accepted must satisfy the properties the HTTP and storage layers rely on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oci/digest.h"
#include "oci/reference.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cangku::oci;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (ValidateRepositoryName(text).ok()) {
    // Safe to use as a path below the storage root.
    Require(!text.empty() && text.size() <= kMaxRepositoryNameLength);
    Require(text.find("..") == std::string_view::npos);
    Require(text.find("//") == std::string_view::npos);
    Require(text.front() != '/' && text.back() != '/');
    for (char c : text) Require(!(c >= 'A' && c <= 'Z') && c != '%' && c != '\\' && c != ':');
  }

  cangku::Status tag = ValidateTag(text);
  if (tag.ok()) {
    Require(!text.empty() && text.size() <= kMaxTagLength);
    Require(text.find('/') == std::string_view::npos && text.find(':') == std::string_view::npos);
  } else {
    Require(tag.code() == cangku::StatusCode::kInvalidArgument);
  }

  cangku::StatusOr<Digest> digest = Digest::Parse(text);
  if (digest.ok()) {
    Require(digest->str() == text);
    Require(IsLowerHex(digest->hex()));
    Require(digest->hex().size() == (digest->algorithm() == DigestAlgorithm::kSha256 ? 64 : 128));
    Require(Digest::Parse(digest->str()).ok());
  } else {
    cangku::StatusCode code = digest.status().code();
    Require(code == cangku::StatusCode::kInvalidArgument ||
            code == cangku::StatusCode::kUnimplemented);
  }

  cangku::StatusOr<Reference> ref = Reference::Parse(text);
  if (ref.ok()) {
    Require(ref->str() == text);
    Require(ref->is_digest() == digest.ok());
  }

  // The hashers must agree however the input is split.
  Digester digester;
  digester.Update(text.substr(0, size / 2));
  Digest half = digester.Current();
  (void)half;
  digester.Update(text.substr(size / 2));
  Require(digester.Current() == Digest::Sha256Of(text));
  return 0;
}
