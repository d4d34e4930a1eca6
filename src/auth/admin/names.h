#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace cangku::auth::admin {

// The name rules of the administrative services. Errors: kInvalidArgument saying what is wrong.

// A user: 1-64 characters of [A-Za-z0-9._@-] starting with a letter or digit; not "system",
// which the audit log uses for changes the operator makes without an account.
Status ValidateUserName(std::string_view name);
// A password: 8-72 bytes (bcrypt reads no more), no NUL.
Status ValidatePassword(std::string_view password);
// A project: one path component of the OCI name grammar ([a-z0-9]+ separated by '.', '_', '__'
// or '-' runs).
Status ValidateProjectName(std::string_view name);
// A robot's short name: [a-z0-9]+ separated by single '.', '_' or '-', at most 64 characters.
Status ValidateRobotName(std::string_view name);

// A robot's login name: "robot$<project>+<name>", or "robot$<name>" when `project` is empty.
std::string RobotFullName(std::string_view project, std::string_view name);

// The parts of a robot's login name (checked as above).
struct RobotName {
  std::string project;  // "" for a system robot
  std::string name;
};
StatusOr<RobotName> ParseRobotFullName(std::string_view full_name);

}  // namespace cangku::auth::admin
