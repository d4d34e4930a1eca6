#include "auth/admin/robot_admin.h"

#include <utility>

#include "auth/admin/names.h"
#include "auth/authenticator.h"
#include "auth/password.h"

namespace cangku::auth::admin {
namespace {

constexpr size_t kMaxDescription = 1024;

std::string RobotResource(std::string_view full_name) { return "robot " + std::string(full_name); }

// Checks robot grants, filling in a project robot's project. Project robots act in their
// project only; system robots name a project or "*". Robots pull, push, delete and list; the
// management actions take an account.
Status CheckGrants(std::string_view project, std::vector<RobotGrant>& grants) {
  for (RobotGrant& g : grants) {
    if (!project.empty()) {
      if (g.project.empty()) g.project = std::string(project);
      if (g.project != project) {
        return InvalidArgumentError("a robot of project " + std::string(project) +
                                    " cannot be given access to project " + g.project);
      }
    } else if (g.project.empty()) {
      return InvalidArgumentError("each permission of a system robot names a project or \"*\"");
    } else if (g.project != "*") {
      RETURN_IF_ERROR(ValidateProjectName(g.project));
    }
    if (g.actions.empty()) return InvalidArgumentError("a permission without actions");
    for (Action a : g.actions) {
      if (a != Action::kPull && a != Action::kPush && a != Action::kDelete && a != Action::kList) {
        return InvalidArgumentError("robots may be given pull, push, delete and list, not " +
                                    std::string(ActionName(a)));
      }
    }
  }
  return OkStatus();
}

Status CheckExpiry(int64_t expires_at, int64_t now) {
  if (expires_at < 0 || (expires_at != 0 && expires_at <= now)) {
    return InvalidArgumentError("expires_at must be in the future (Unix seconds), or 0 for never");
  }
  return OkStatus();
}

Status CheckDescription(std::string_view description) {
  if (description.size() > kMaxDescription) {
    return InvalidArgumentError("description is longer than 1024 bytes");
  }
  return OkStatus();
}

// kPermissionDenied (audited under `audit_action` when set) unless the actor may manage the
// robots of `project` ("": the system robots, a system admin's business).
Status RequireManager(AdminContext& ctx, const Actor& actor, std::string_view project,
                      std::string_view audit_action, std::string_view full_name) {
  bool ok = actor.principal.system_admin;
  if (!ok && !project.empty()) {
    ASSIGN_OR_RETURN(ok,
                     ctx.access.AllowedInProject(actor.principal, project, Action::kManageRobots));
  }
  if (ok) return OkStatus();
  std::string why = project.empty()
                        ? "only a system admin may manage system robots"
                        : "not allowed to manage the robots of project " + std::string(project);
  if (audit_action.empty()) return PermissionDeniedError(why);
  return Denied(ctx, actor, std::string(audit_action), std::string(project),
                RobotResource(full_name), why);
}

// The parsed name of an existing robot and the permission to act on it.
StatusOr<RobotName> Authorize(AdminContext& ctx, const Actor& actor, std::string_view full_name,
                              std::string_view audit_action) {
  ASSIGN_OR_RETURN(RobotName name, ParseRobotFullName(full_name));
  RETURN_IF_ERROR(RequireManager(ctx, actor, name.project, audit_action, full_name));
  return name;
}

}  // namespace

StatusOr<RobotWithSecret> RobotAdmin::Create(const Actor& actor, const RobotSpec& spec) {
  if (!spec.project.empty()) RETURN_IF_ERROR(ValidateProjectName(spec.project));
  RETURN_IF_ERROR(ValidateRobotName(spec.name));
  std::string full_name = RobotFullName(spec.project, spec.name);
  RETURN_IF_ERROR(RequireManager(ctx_, actor, spec.project, "robot.create", full_name));
  std::vector<RobotGrant> grants = spec.grants;
  RETURN_IF_ERROR(CheckGrants(spec.project, grants));
  int64_t now = UnixSeconds(ctx_.clock.Now());
  RETURN_IF_ERROR(CheckExpiry(spec.expires_at, now));
  RETURN_IF_ERROR(CheckDescription(spec.description));
  RobotWithSecret out;
  out.secret = NewRobotSecret(ctx_.random);
  out.robot = metadata::RobotRecord{.name = full_name,
                                    .project = spec.project,
                                    .description = spec.description,
                                    .secret_hash = HashRobotSecret(out.secret),
                                    .permissions_json = RobotPermissionsJson(grants),
                                    .expires_at = spec.expires_at,
                                    .disabled = false,
                                    .credential_version = 1,
                                    .created_by = AuditName(actor),
                                    .created_at = now,
                                    .updated_at = now};
  Status s = ctx_.store.CreateRobot(out.robot);
  if (s.code() == StatusCode::kNotFound) return NotFoundError("no project " + spec.project);
  RETURN_IF_ERROR(s);
  Changed(ctx_, actor, "robot.create", spec.project, RobotResource(full_name),
          out.robot.permissions_json);
  return out;
}

StatusOr<std::vector<metadata::RobotRecord>> RobotAdmin::List(const Actor& actor,
                                                              std::string_view project) {
  if (!project.empty()) RETURN_IF_ERROR(ValidateProjectName(project));
  RETURN_IF_ERROR(RequireManager(ctx_, actor, project, "", ""));
  if (!project.empty()) {
    ASSIGN_OR_RETURN(std::optional<metadata::ProjectRecord> record, ctx_.access.Project(project));
    if (!record) return NotFoundError("no project " + std::string(project));
  }
  return ctx_.store.ListRobots(project);
}

StatusOr<metadata::RobotRecord> RobotAdmin::Get(const Actor& actor, std::string_view full_name) {
  RETURN_IF_ERROR(Authorize(ctx_, actor, full_name, "").status());
  return ctx_.store.GetRobot(full_name);
}

StatusOr<metadata::RobotRecord> RobotAdmin::Update(const Actor& actor, std::string_view full_name,
                                                   std::optional<bool> disabled,
                                                   std::optional<int64_t> expires_at,
                                                   std::optional<std::vector<RobotGrant>> grants,
                                                   std::optional<std::string> description) {
  ASSIGN_OR_RETURN(RobotName name, Authorize(ctx_, actor, full_name, "robot.update"));
  int64_t now = UnixSeconds(ctx_.clock.Now());
  if (expires_at) RETURN_IF_ERROR(CheckExpiry(*expires_at, now));
  if (grants) RETURN_IF_ERROR(CheckGrants(name.project, *grants));
  if (description) RETURN_IF_ERROR(CheckDescription(*description));
  ASSIGN_OR_RETURN(metadata::RobotRecord robot, ctx_.store.GetRobot(full_name));
  // Tokens name the credential version: a disabled robot's tokens must stop at once.
  if (disabled && *disabled && !robot.disabled) ++robot.credential_version;
  if (disabled) robot.disabled = *disabled;
  if (expires_at) robot.expires_at = *expires_at;
  if (grants) robot.permissions_json = RobotPermissionsJson(*grants);
  if (description) robot.description = std::move(*description);
  robot.updated_at = now;
  RETURN_IF_ERROR(ctx_.store.UpdateRobot(robot));
  Changed(ctx_, actor, "robot.update", robot.project, RobotResource(full_name),
          std::string("disabled=") + (robot.disabled ? "true" : "false") + " expires_at=" +
              std::to_string(robot.expires_at) + " permissions=" + robot.permissions_json);
  return robot;
}

StatusOr<RobotWithSecret> RobotAdmin::Rotate(const Actor& actor, std::string_view full_name) {
  RETURN_IF_ERROR(Authorize(ctx_, actor, full_name, "robot.rotate").status());
  RobotWithSecret out;
  ASSIGN_OR_RETURN(out.robot, ctx_.store.GetRobot(full_name));
  out.secret = NewRobotSecret(ctx_.random);
  out.robot.secret_hash = HashRobotSecret(out.secret);
  ++out.robot.credential_version;
  out.robot.updated_at = UnixSeconds(ctx_.clock.Now());
  RETURN_IF_ERROR(ctx_.store.UpdateRobot(out.robot));
  Changed(ctx_, actor, "robot.rotate", out.robot.project, RobotResource(full_name));
  return out;
}

Status RobotAdmin::Delete(const Actor& actor, std::string_view full_name) {
  ASSIGN_OR_RETURN(RobotName name, Authorize(ctx_, actor, full_name, "robot.delete"));
  RETURN_IF_ERROR(ctx_.store.DeleteRobot(full_name));
  Changed(ctx_, actor, "robot.delete", name.project, RobotResource(full_name));
  return OkStatus();
}

}  // namespace cangku::auth::admin
