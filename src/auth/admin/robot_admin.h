#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/admin/admin_context.h"
#include "auth/principal.h"
#include "common/status.h"
#include "metadata/identity_store.h"

namespace cangku::auth::admin {

struct RobotSpec {
  std::string project;  // "" for a system robot
  std::string name;     // short name: [a-z0-9]+ separated by '.', '_' or '-', at most 64
  std::string description;
  // Project robots: the project of each grant is the robot's project (given or not). System
  // robots: each grant names a project or "*". Actions: pull, push, delete, list.
  std::vector<RobotGrant> grants;
  int64_t expires_at = 0;  // Unix seconds; 0: never
};

// A robot as created or rotated: the record and its secret, shown this once.
struct RobotWithSecret {
  metadata::RobotRecord robot;
  std::string secret;
};

// Robot accounts: "robot$<project>+<name>" (managed by the project's manage-robots role or a
// system admin) and "robot$<name>" (system admins only). The secret is random, returned once and
// stored hashed. Every change is audited. Errors: kPermissionDenied, kInvalidArgument (bad name,
// grant, or an expiry in the past), kNotFound, kAlreadyExists. Blocking; thread-safe.
class RobotAdmin {
 public:
  explicit RobotAdmin(AdminContext& ctx) : ctx_(ctx) {}

  StatusOr<RobotWithSecret> Create(const Actor& actor, const RobotSpec& spec);
  // The robots of `project` ("" : the system robots).
  StatusOr<std::vector<metadata::RobotRecord>> List(const Actor& actor, std::string_view project);
  StatusOr<metadata::RobotRecord> Get(const Actor& actor, std::string_view full_name);
  // Changes what is given; disabling bumps the credential version (its tokens stop working).
  StatusOr<metadata::RobotRecord> Update(const Actor& actor, std::string_view full_name,
                                         std::optional<bool> disabled,
                                         std::optional<int64_t> expires_at,
                                         std::optional<std::vector<RobotGrant>> grants,
                                         std::optional<std::string> description);
  // A new secret (the old one and tokens issued with it stop working at once).
  StatusOr<RobotWithSecret> Rotate(const Actor& actor, std::string_view full_name);
  Status Delete(const Actor& actor, std::string_view full_name);

 private:
  AdminContext& ctx_;
};

}  // namespace cangku::auth::admin
