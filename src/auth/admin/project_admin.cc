#include "auth/admin/project_admin.h"

#include <algorithm>
#include <set>
#include <utility>

#include "auth/admin/names.h"

namespace cangku::auth::admin {
namespace {

constexpr Action kAllActions[] = {
    Action::kPull,         Action::kList,           Action::kPush,
    Action::kDelete,       Action::kViewMembers,    Action::kManageMembers,
    Action::kManageRobots, Action::kManagePolicies, Action::kViewLog};
constexpr int kMinScanPage = 100;

std::string ProjectResource(std::string_view name) { return "project " + std::string(name); }
std::string MemberResource(std::string_view user) { return "member " + std::string(user); }

bool IsUser(const Principal& p) { return p.kind == Principal::Kind::kUser && !p.name.empty(); }

// The user's role in `project`, if a member.
StatusOr<std::optional<Role>> RoleOf(metadata::IdentityStore& store, std::string_view project,
                                     std::string_view user) {
  ASSIGN_OR_RETURN(std::vector<metadata::MemberRecord> memberships, store.ListMemberships(user));
  for (const metadata::MemberRecord& m : memberships) {
    if (m.project == project) return ParseRole(m.role);
  }
  return std::optional<Role>();
}

// Whether the actor holds the project-admin role in `project` (a system admin holds every role).
StatusOr<bool> IsProjectAdmin(AdminContext& ctx, const Actor& actor, std::string_view project) {
  if (actor.principal.system_admin) return true;
  if (!IsUser(actor.principal)) return false;
  ASSIGN_OR_RETURN(std::optional<Role> role, RoleOf(ctx.store, project, actor.principal.name));
  return role == Role::kProjectAdmin;
}

// kPermissionDenied (audited under `audit_action` when set) unless the actor may do `action` in
// `project`.
Status Require(AdminContext& ctx, const Actor& actor, std::string_view project, Action action,
               std::string_view audit_action, std::string resource) {
  ASSIGN_OR_RETURN(bool ok, ctx.access.AllowedInProject(actor.principal, project, action));
  if (ok) return OkStatus();
  std::string why =
      "not allowed to " + std::string(ActionName(action)) + " in project " + std::string(project);
  if (audit_action.empty()) return PermissionDeniedError(why);
  return Denied(ctx, actor, std::string(audit_action), std::string(project), std::move(resource),
                why);
}

// Requires the project-admin role, auditing a refusal under `audit_action`.
Status RequireProjectAdmin(AdminContext& ctx, const Actor& actor, std::string_view project,
                           std::string_view audit_action) {
  ASSIGN_OR_RETURN(bool ok, IsProjectAdmin(ctx, actor, project));
  if (ok) return OkStatus();
  return Denied(ctx, actor, std::string(audit_action), std::string(project),
                ProjectResource(project), "only a project admin may do this");
}

// Creates the project with the actor (when a user) as its project admin.
StatusOr<metadata::ProjectRecord> CreateProject(AdminContext& ctx, const Actor& actor,
                                                std::string_view name, bool is_public) {
  int64_t now = UnixSeconds(ctx.clock.Now());
  metadata::ProjectRecord project{.name = std::string(name),
                                  .is_public = is_public,
                                  .owner = actor.principal.name,
                                  .created_at = now};
  RETURN_IF_ERROR(ctx.store.CreateProject(project));
  if (IsUser(actor.principal)) {
    Status s = ctx.store.PutMember({.project = project.name,
                                    .user = actor.principal.name,
                                    .role = std::string(RoleName(Role::kProjectAdmin)),
                                    .created_at = now});
    if (!s.ok()) {
      // No project without its admin: the creator's account went away meanwhile.
      ctx.store.DeleteProject(name).IgnoreError();
      return s;
    }
  }
  return project;
}

// kFailedPrecondition when taking the project-admin role from `user` leaves `project` without one.
Status KeepOneProjectAdmin(const std::vector<metadata::MemberRecord>& members,
                           std::string_view project, std::string_view user) {
  const std::string admin_role(RoleName(Role::kProjectAdmin));
  bool is_admin = false;
  int admins = 0;
  for (const metadata::MemberRecord& m : members) {
    if (m.role != admin_role) continue;
    ++admins;
    if (m.user == user) is_admin = true;
  }
  if (!is_admin || admins > 1) return OkStatus();
  return FailedPreconditionError(std::string(user) + " is the last project admin of " +
                                 std::string(project));
}

const metadata::MemberRecord* FindMember(const std::vector<metadata::MemberRecord>& members,
                                         std::string_view user) {
  auto it = std::find_if(members.begin(), members.end(),
                         [&](const metadata::MemberRecord& m) { return m.user == user; });
  return it == members.end() ? nullptr : &*it;
}

// Decides which projects a non-admin principal may read, knowing its memberships.
class ReadFilter {
 public:
  static StatusOr<ReadFilter> For(AdminContext& ctx, const Principal& principal) {
    ReadFilter filter;
    filter.principal_ = &principal;
    if (IsUser(principal)) {
      ASSIGN_OR_RETURN(std::vector<metadata::MemberRecord> memberships,
                       ctx.store.ListMemberships(principal.name));
      for (metadata::MemberRecord& m : memberships) filter.member_of_.insert(std::move(m.project));
    }
    return filter;
  }

  bool operator()(const metadata::ProjectRecord& project) const {
    if (principal_->system_admin || project.is_public || member_of_.count(project.name)) {
      return true;
    }
    for (const RobotGrant& g : principal_->robot_grants) {
      if (g.project != "*" && g.project != project.name) continue;
      for (Action a : g.actions) {
        if (a == Action::kPull || a == Action::kList) return true;
      }
    }
    return false;
  }

 private:
  const Principal* principal_ = nullptr;
  std::set<std::string> member_of_;
};

}  // namespace

StatusOr<metadata::ProjectRecord> ProjectAdmin::Create(const Actor& actor, std::string_view name,
                                                       bool is_public) {
  if (actor.principal.kind != Principal::Kind::kUser) {
    return Denied(ctx_, actor, "project.create", std::string(name), ProjectResource(name),
                  "only a signed-in user may create a project");
  }
  RETURN_IF_ERROR(ValidateProjectName(name));
  ASSIGN_OR_RETURN(metadata::ProjectRecord project, CreateProject(ctx_, actor, name, is_public));
  Changed(ctx_, actor, "project.create", project.name, ProjectResource(name),
          is_public ? "public" : "private");
  return project;
}

StatusOr<std::vector<metadata::ProjectRecord>> ProjectAdmin::List(
    const Actor& actor, const metadata::PageRequest& page) {
  std::vector<metadata::ProjectRecord> out;
  if (page.limit <= 0) return out;
  if (actor.principal.system_admin) return ctx_.store.ListProjects(page);
  ASSIGN_OR_RETURN(ReadFilter readable, ReadFilter::For(ctx_, actor.principal));
  metadata::PageRequest scan{.last = page.last, .limit = std::max(page.limit, kMinScanPage)};
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<metadata::ProjectRecord> batch, ctx_.store.ListProjects(scan));
    for (metadata::ProjectRecord& p : batch) {
      if (!readable(p)) continue;
      out.push_back(std::move(p));
      if (out.size() == static_cast<size_t>(page.limit)) return out;
    }
    if (batch.size() < static_cast<size_t>(scan.limit)) return out;
    scan.last = batch.back().name;
  }
}

StatusOr<metadata::ProjectRecord> ProjectAdmin::Get(const Actor& actor, std::string_view name) {
  RETURN_IF_ERROR(ValidateProjectName(name));
  ASSIGN_OR_RETURN(metadata::ProjectRecord project, ctx_.store.GetProject(name));
  RETURN_IF_ERROR(Require(ctx_, actor, name, Action::kPull, "", ""));
  return project;
}

StatusOr<metadata::ProjectRecord> ProjectAdmin::Update(const Actor& actor, std::string_view name,
                                                       std::optional<bool> is_public) {
  RETURN_IF_ERROR(ValidateProjectName(name));
  RETURN_IF_ERROR(RequireProjectAdmin(ctx_, actor, name, "project.update"));
  ASSIGN_OR_RETURN(metadata::ProjectRecord project, ctx_.store.GetProject(name));
  if (is_public) project.is_public = *is_public;
  RETURN_IF_ERROR(ctx_.store.UpdateProject(project));
  Changed(ctx_, actor, "project.update", project.name, ProjectResource(name),
          project.is_public ? "public" : "private");
  return project;
}

Status ProjectAdmin::Delete(const Actor& actor, std::string_view name) {
  RETURN_IF_ERROR(ValidateProjectName(name));
  RETURN_IF_ERROR(RequireProjectAdmin(ctx_, actor, name, "project.delete"));
  RETURN_IF_ERROR(ctx_.store.GetProject(name).status());
  ASSIGN_OR_RETURN(bool used, has_repositories_(name));
  if (used) {
    return FailedPreconditionError("project " + std::string(name) +
                                   " still holds repositories; delete them first");
  }
  RETURN_IF_ERROR(ctx_.store.DeleteProject(name));
  Changed(ctx_, actor, "project.delete", std::string(name), ProjectResource(name));
  return OkStatus();
}

StatusOr<std::vector<metadata::MemberRecord>> ProjectAdmin::ListMembers(const Actor& actor,
                                                                        std::string_view project) {
  RETURN_IF_ERROR(ValidateProjectName(project));
  RETURN_IF_ERROR(Require(ctx_, actor, project, Action::kViewMembers, "", ""));
  return ctx_.store.ListMembers(project);
}

StatusOr<metadata::MemberRecord> ProjectAdmin::PutMember(const Actor& actor,
                                                         std::string_view project,
                                                         std::string_view user,
                                                         std::string_view role) {
  RETURN_IF_ERROR(ValidateProjectName(project));
  RETURN_IF_ERROR(ValidateUserName(user));
  std::optional<Role> parsed = ParseRole(role);
  if (!parsed) {
    return InvalidArgumentError("unknown role \"" + std::string(role) +
                                "\" (project-admin, maintainer, developer, guest, limited-guest)");
  }
  RETURN_IF_ERROR(
      Require(ctx_, actor, project, Action::kManageMembers, "member.put", MemberResource(user)));
  ASSIGN_OR_RETURN(std::vector<metadata::MemberRecord> members, ctx_.store.ListMembers(project));
  const metadata::MemberRecord* current = FindMember(members, user);
  if (*parsed != Role::kProjectAdmin) RETURN_IF_ERROR(KeepOneProjectAdmin(members, project, user));
  metadata::MemberRecord member{
      .project = std::string(project),
      .user = std::string(user),
      .role = std::string(RoleName(*parsed)),
      .created_at = current ? current->created_at : UnixSeconds(ctx_.clock.Now())};
  Status s = ctx_.store.PutMember(member);
  if (s.code() == StatusCode::kNotFound) return NotFoundError("no user " + std::string(user));
  RETURN_IF_ERROR(s);
  Changed(ctx_, actor, "member.put", member.project, MemberResource(user), member.role);
  return member;
}

Status ProjectAdmin::DeleteMember(const Actor& actor, std::string_view project,
                                  std::string_view user) {
  RETURN_IF_ERROR(ValidateProjectName(project));
  RETURN_IF_ERROR(ValidateUserName(user));
  RETURN_IF_ERROR(
      Require(ctx_, actor, project, Action::kManageMembers, "member.delete", MemberResource(user)));
  ASSIGN_OR_RETURN(std::vector<metadata::MemberRecord> members, ctx_.store.ListMembers(project));
  if (!FindMember(members, user)) {
    return NotFoundError(std::string(user) + " is not a member of project " + std::string(project));
  }
  RETURN_IF_ERROR(KeepOneProjectAdmin(members, project, user));
  RETURN_IF_ERROR(ctx_.store.DeleteMember(project, user));
  Changed(ctx_, actor, "member.delete", std::string(project), MemberResource(user));
  return OkStatus();
}

StatusOr<ProjectPermissions> ProjectAdmin::Permissions(const Actor& actor,
                                                       std::string_view project) {
  RETURN_IF_ERROR(ValidateProjectName(project));
  ASSIGN_OR_RETURN(std::optional<metadata::ProjectRecord> record, ctx_.access.Project(project));
  if (!record) return NotFoundError("no project " + std::string(project));
  ProjectPermissions permissions;
  if (IsUser(actor.principal)) {
    ASSIGN_OR_RETURN(permissions.role, RoleOf(ctx_.store, project, actor.principal.name));
  }
  for (Action a : kAllActions) {
    ASSIGN_OR_RETURN(bool ok, ctx_.access.AllowedInProject(actor.principal, project, a));
    if (ok) permissions.actions.push_back(a);
  }
  return permissions;
}

Status ProjectAdmin::EnsureForPush(const Actor& actor, std::string_view project) {
  if (!IsUser(actor.principal)) {
    return PermissionDeniedError("only a signed-in user may create a project");
  }
  RETURN_IF_ERROR(ValidateProjectName(project));
  StatusOr<metadata::ProjectRecord> existing = ctx_.store.GetProject(project);
  if (existing.ok()) return OkStatus();
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  StatusOr<metadata::ProjectRecord> created = CreateProject(ctx_, actor, project, false);
  // A concurrent first push created it meanwhile: as good.
  if (created.status().code() == StatusCode::kAlreadyExists) return OkStatus();
  RETURN_IF_ERROR(created.status());
  Changed(ctx_, actor, "project.create", std::string(project), ProjectResource(project),
          "private, at the first push");
  return OkStatus();
}

}  // namespace cangku::auth::admin
