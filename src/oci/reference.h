#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"
#include "oci/digest.h"

namespace cangku::oci {

inline constexpr size_t kMaxRepositoryNameLength = 255;
inline constexpr size_t kMaxTagLength = 128;

// Validates a repository name against the OCI distribution spec grammar:
//   [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
// and at most 255 characters. The name is the already-decoded path text: "../", "%2e%2e",
// uppercase, "//", leading or trailing separators all fail. Errors: kInvalidArgument, with a
// message saying what is wrong.
Status ValidateRepositoryName(std::string_view name);

// Validates a tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}. Errors: kInvalidArgument.
Status ValidateTag(std::string_view tag);

// The <reference> of /v2/<name>/manifests/<reference>: a tag or a digest.
class Reference {
 public:
  // A reference containing ':' is parsed as a digest (errors as Digest::Parse), else as a tag
  // (kInvalidArgument when invalid).
  static StatusOr<Reference> Parse(std::string_view text);

  bool is_digest() const { return std::holds_alternative<Digest>(value_); }
  const Digest& digest() const { return std::get<Digest>(value_); }
  const std::string& tag() const { return std::get<std::string>(value_); }
  std::string str() const { return is_digest() ? digest().str() : tag(); }

 private:
  explicit Reference(std::variant<std::string, Digest> v) : value_(std::move(v)) {}
  std::variant<std::string, Digest> value_;
};

}  // namespace cangku::oci
