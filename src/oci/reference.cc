#include "oci/reference.h"

#include <string>
#include <utility>

#include "common/text.h"

namespace cangku::oci {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsTagChar(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

std::string DescribeBadChar(char c) {
  if (c >= 'A' && c <= 'Z') return "uppercase letters are not allowed";
  return "invalid character '" + std::string(1, c >= 0x20 && c < 0x7f ? c : '?') + "'";
}

// Checks one path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*. Returns an empty string when
// valid, else what is wrong.
std::string CheckComponent(std::string_view component) {
  if (component.empty()) return "empty path component (leading, trailing or double '/')";
  size_t i = 0;
  const size_t n = component.size();
  while (true) {
    // A run of [a-z0-9]+.
    size_t run_start = i;
    while (i < n && IsLowerAlnum(component[i])) ++i;
    if (i == run_start) {
      char c = component[i];
      if (c == '.' || c == '_' || c == '-') {
        return i == 0 ? std::string("component must start with [a-z0-9]")
                      : std::string("separators must be followed by [a-z0-9]");
      }
      return DescribeBadChar(c);
    }
    if (i == n) return "";
    // A separator: '.', '_', '__' or '-+'.
    char c = component[i];
    if (c == '.') {
      ++i;
    } else if (c == '_') {
      ++i;
      if (i < n && component[i] == '_') ++i;
    } else if (c == '-') {
      while (i < n && component[i] == '-') ++i;
    } else {
      return DescribeBadChar(c);
    }
    if (i == n) return "component must end with [a-z0-9]";
  }
}

}  // namespace

Status ValidateRepositoryName(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("repository name is empty");
  if (name.size() > kMaxRepositoryNameLength) {
    return InvalidArgumentError("repository name is " + std::to_string(name.size()) +
                                " characters long; the limit is " +
                                std::to_string(kMaxRepositoryNameLength));
  }
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    std::string_view component = name.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string problem = CheckComponent(component);
    if (!problem.empty()) {
      return InvalidArgumentError("invalid repository name " + QuoteForMessage(name) + ": " +
                                  problem);
    }
    if (slash == std::string_view::npos) return OkStatus();
    start = slash + 1;
  }
}

Status ValidateTag(std::string_view tag) {
  if (tag.empty()) return InvalidArgumentError("tag is empty");
  if (tag.size() > kMaxTagLength) {
    return InvalidArgumentError("tag is " + std::to_string(tag.size()) +
                                " characters long; the limit is " + std::to_string(kMaxTagLength));
  }
  if (tag[0] == '.' || tag[0] == '-') {
    return InvalidArgumentError("invalid tag " + QuoteForMessage(tag) +
                                ": must start with [a-zA-Z0-9_]");
  }
  for (char c : tag) {
    if (!IsTagChar(c)) {
      return InvalidArgumentError("invalid tag " + QuoteForMessage(tag) +
                                  ": only [a-zA-Z0-9._-] are allowed");
    }
  }
  return OkStatus();
}

StatusOr<Reference> Reference::Parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    ASSIGN_OR_RETURN(Digest digest, Digest::Parse(text));
    return Reference(std::move(digest));
  }
  RETURN_IF_ERROR(ValidateTag(text));
  return Reference(std::string(text));
}

}  // namespace cangku::oci
