#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/admin/admin_context.h"
#include "auth/permissions.h"
#include "common/status.h"
#include "metadata/identity_store.h"

namespace cangku::auth::admin {

// Whether a project still holds repositories (the registry answers; the project service cannot
// see repositories itself). Blocking.
using HasRepositoriesFn = std::function<StatusOr<bool>(std::string_view project)>;

// The permissions a principal has in a project, for GET /api/v1/projects/<p>/permissions.
struct ProjectPermissions {
  std::optional<Role> role;     // the principal's role, if a member
  std::vector<Action> actions;  // every action allowed
};

// Projects and their members. Any signed-in user may create a project (becoming its project
// admin); the other changes take the project's manage-members (members) or project-admin role
// (visibility, deletion), or a system admin. Listing shows the projects the actor may read.
// Every change is audited. Errors: kPermissionDenied, kInvalidArgument (a project name is one
// path component of the OCI name grammar: [a-z0-9]+ separated by '.', '_', '__' or '-'; roles by
// RoleName), kNotFound, kAlreadyExists, kFailedPrecondition (deleting a project that holds
// repositories; removing the last project admin). Blocking; thread-safe.
class ProjectAdmin {
 public:
  ProjectAdmin(AdminContext& ctx, HasRepositoriesFn has_repositories)
      : ctx_(ctx), has_repositories_(std::move(has_repositories)) {}

  StatusOr<metadata::ProjectRecord> Create(const Actor& actor, std::string_view name,
                                           bool is_public);
  StatusOr<std::vector<metadata::ProjectRecord>> List(const Actor& actor,
                                                      const metadata::PageRequest& page);
  StatusOr<metadata::ProjectRecord> Get(const Actor& actor, std::string_view name);
  StatusOr<metadata::ProjectRecord> Update(const Actor& actor, std::string_view name,
                                           std::optional<bool> is_public);
  Status Delete(const Actor& actor, std::string_view name);

  StatusOr<std::vector<metadata::MemberRecord>> ListMembers(const Actor& actor,
                                                            std::string_view project);
  // Adds the user as a member with `role`, or changes their role.
  StatusOr<metadata::MemberRecord> PutMember(const Actor& actor, std::string_view project,
                                             std::string_view user, std::string_view role);
  Status DeleteMember(const Actor& actor, std::string_view project, std::string_view user);

  // What the actor may do in the project (any actor may ask about themselves).
  StatusOr<ProjectPermissions> Permissions(const Actor& actor, std::string_view project);

  // Creates `project` (private, `principal` its project admin) at a user's first push when
  // projects are auto-created; a no-op when it exists. Audited as "project.create".
  Status EnsureForPush(const Actor& actor, std::string_view project);

 private:
  AdminContext& ctx_;
  const HasRepositoriesFn has_repositories_;
};

}  // namespace cangku::auth::admin
