#include "auth/admin/names.h"

#include "common/text.h"
#include "oci/reference.h"

namespace cangku::auth::admin {
namespace {

constexpr std::string_view kRobotPrefix = "robot$";
constexpr size_t kMaxUserName = 64;
constexpr size_t kMaxRobotName = 64;
constexpr size_t kMinPassword = 8;
constexpr size_t kMaxPassword = 72;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

}  // namespace

Status ValidateUserName(std::string_view name) {
  if (name.empty() || name.size() > kMaxUserName) {
    return InvalidArgumentError("user name must be 1-64 characters");
  }
  if (!IsAlnum(name.front())) {
    return InvalidArgumentError("user name " + QuoteForMessage(name) +
                                " must start with a letter or digit");
  }
  for (char c : name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '@' && c != '-') {
      return InvalidArgumentError("user name " + QuoteForMessage(name) +
                                  " may hold only letters, digits and . _ @ -");
    }
  }
  if (name == "system") return InvalidArgumentError("user name \"system\" is reserved");
  return OkStatus();
}

Status ValidatePassword(std::string_view password) {
  if (password.size() < kMinPassword || password.size() > kMaxPassword) {
    return InvalidArgumentError("password must be 8-72 bytes long");
  }
  if (password.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("password contains a NUL byte");
  }
  return OkStatus();
}

Status ValidateProjectName(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    return InvalidArgumentError("project name " + QuoteForMessage(name) +
                                " must be one path component (no '/')");
  }
  Status s = oci::ValidateRepositoryName(name);
  if (!s.ok()) {
    return InvalidArgumentError("invalid project name " + QuoteForMessage(name) +
                                ": lowercase letters and digits separated by '.', '_', '__' or "
                                "'-'");
  }
  return OkStatus();
}

Status ValidateRobotName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxRobotName && IsLowerAlnum(name.front()) &&
            IsLowerAlnum(name.back());
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    if (IsLowerAlnum(c)) continue;
    ok = (c == '.' || c == '_' || c == '-') && IsLowerAlnum(name[i - 1]);
  }
  if (!ok) {
    return InvalidArgumentError("invalid robot name " + QuoteForMessage(name) +
                                ": at most 64 lowercase letters and digits separated by single "
                                "'.', '_' or '-'");
  }
  return OkStatus();
}

std::string RobotFullName(std::string_view project, std::string_view name) {
  std::string full(kRobotPrefix);
  if (!project.empty()) full.append(project).push_back('+');
  full.append(name);
  return full;
}

StatusOr<RobotName> ParseRobotFullName(std::string_view full_name) {
  if (!full_name.starts_with(kRobotPrefix)) {
    return InvalidArgumentError("robot name " + QuoteForMessage(full_name) +
                                " does not start with \"robot$\"");
  }
  std::string_view rest = full_name.substr(kRobotPrefix.size());
  RobotName parsed;
  size_t plus = rest.find('+');
  if (plus != std::string_view::npos) {
    parsed.project = std::string(rest.substr(0, plus));
    rest = rest.substr(plus + 1);
    RETURN_IF_ERROR(ValidateProjectName(parsed.project));
  }
  RETURN_IF_ERROR(ValidateRobotName(rest));
  parsed.name = std::string(rest);
  return parsed;
}

}  // namespace cangku::auth::admin
