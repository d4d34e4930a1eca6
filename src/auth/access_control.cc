#include "auth/access_control.h"

#include <algorithm>

namespace cangku::auth {
namespace {

// The token action that covers a repository action.
std::string_view TokenAction(Action action) {
  switch (action) {
    case Action::kPush:
      return "push";
    case Action::kDelete:
      return "delete";
    default:
      return "pull";
  }
}

bool TokenGrants(const std::vector<Access>& access, std::string_view repository, Action action) {
  std::string_view wanted = TokenAction(action);
  for (const Access& a : access) {
    if (a.type != "repository" || a.name != repository) continue;
    for (const std::string& granted : a.actions) {
      if (granted == wanted || granted == "*") return true;
    }
  }
  return false;
}

bool RobotAllows(const Principal& principal, std::string_view project, Action action) {
  for (const RobotGrant& grant : principal.robot_grants) {
    if (grant.project != "*" && grant.project != project) continue;
    for (Action granted : grant.actions) {
      // A robot that may pull may also list what it pulls (tags, the catalog).
      if (granted == action || (action == Action::kList && granted == Action::kPull)) return true;
    }
  }
  return false;
}

std::string RoleKey(std::string_view project, std::string_view user) {
  std::string key(project);
  key.push_back('\n');
  key.append(user);
  return key;
}

}  // namespace

std::string_view ProjectOf(std::string_view repository) {
  return repository.substr(0, repository.find('/'));
}

bool AccessControl::Decide(const Principal& principal, std::string_view project,
                           const std::optional<metadata::ProjectRecord>& record,
                           const std::optional<Role>& role, Action action) const {
  if (principal.system_admin) return true;
  bool read = action == Action::kPull || action == Action::kList;
  if (record && record->is_public && read) return true;
  if (!record) {
    // Nothing to read in a project that does not exist; a user may create it by pushing.
    return auto_create_projects_ && principal.kind == Principal::Kind::kUser &&
           (read || action == Action::kPush);
  }
  switch (principal.kind) {
    case Principal::Kind::kAnonymous:
      return false;
    case Principal::Kind::kRobot:
      return RobotAllows(principal, project, action);
    case Principal::Kind::kUser:
      return role && RoleAllows(*role, action);
  }
  return false;
}

std::optional<AccessControl::ProjectEntry> AccessControl::CachedProject(std::string_view name,
                                                                        int64_t now) {
  std::lock_guard lock(mu_);
  auto it = projects_.find(std::string(name));
  if (it == projects_.end() || it->second.expires <= now) return std::nullopt;
  return it->second;
}

std::optional<AccessControl::RoleEntry> AccessControl::CachedRole(const std::string& key,
                                                                  int64_t now) {
  std::lock_guard lock(mu_);
  auto it = roles_.find(key);
  if (it == roles_.end() || it->second.expires <= now) return std::nullopt;
  return it->second;
}

StatusOr<AccessControl::ProjectEntry> AccessControl::LoadProject(std::string_view name,
                                                                 int64_t now) {
  ProjectEntry entry;
  entry.expires = now + ttl_.count();
  StatusOr<metadata::ProjectRecord> record = store_.GetProject(name);
  if (record.ok()) {
    entry.project = std::move(*record);
  } else if (record.status().code() != StatusCode::kNotFound) {
    return record.status();
  }
  std::lock_guard lock(mu_);
  if (projects_.size() > 100000) projects_.clear();
  projects_[std::string(name)] = entry;
  return entry;
}

StatusOr<AccessControl::RoleEntry> AccessControl::LoadRole(std::string_view project,
                                                           std::string_view user, int64_t now) {
  RoleEntry entry;
  entry.expires = now + ttl_.count();
  ASSIGN_OR_RETURN(std::vector<metadata::MemberRecord> memberships, store_.ListMemberships(user));
  for (const metadata::MemberRecord& m : memberships) {
    if (m.project == project) entry.role = ParseRole(m.role);
  }
  std::lock_guard lock(mu_);
  if (roles_.size() > 100000) roles_.clear();
  roles_[RoleKey(project, user)] = entry;
  return entry;
}

std::optional<bool> AccessControl::TryAllowed(const Principal& principal,
                                              std::string_view repository, Action action) {
  if (principal.token_access && !TokenGrants(*principal.token_access, repository, action)) {
    return false;
  }
  if (principal.system_admin) return true;
  int64_t now = UnixSeconds(clock_.Now());
  std::string_view project = ProjectOf(repository);
  std::optional<ProjectEntry> p = CachedProject(project, now);
  if (!p) return std::nullopt;
  std::optional<Role> role;
  if (principal.kind == Principal::Kind::kUser && p->project) {
    std::optional<RoleEntry> r = CachedRole(RoleKey(project, principal.name), now);
    if (!r) {
      // A public project answers reads without knowing the role.
      if (p->project->is_public && (action == Action::kPull || action == Action::kList)) {
        return true;
      }
      return std::nullopt;
    }
    role = r->role;
  }
  return Decide(principal, project, p->project, role, action);
}

StatusOr<bool> AccessControl::LoadAndDecide(const Principal& principal, std::string_view project,
                                            Action action) {
  int64_t now = UnixSeconds(clock_.Now());
  std::optional<ProjectEntry> p = CachedProject(project, now);
  if (!p) {
    ASSIGN_OR_RETURN(ProjectEntry loaded, LoadProject(project, now));
    p = std::move(loaded);
  }
  std::optional<Role> role;
  if (principal.kind == Principal::Kind::kUser && p->project) {
    std::optional<RoleEntry> r = CachedRole(RoleKey(project, principal.name), now);
    if (!r) {
      ASSIGN_OR_RETURN(RoleEntry loaded, LoadRole(project, principal.name, now));
      r = std::move(loaded);
    }
    role = r->role;
  }
  return Decide(principal, project, p->project, role, action);
}

StatusOr<bool> AccessControl::Allowed(const Principal& principal, std::string_view repository,
                                      Action action) {
  if (std::optional<bool> quick = TryAllowed(principal, repository, action)) return *quick;
  return LoadAndDecide(principal, ProjectOf(repository), action);
}

StatusOr<bool> AccessControl::AllowedInProject(const Principal& principal, std::string_view project,
                                               Action action) {
  return LoadAndDecide(principal, project, action);
}

StatusOr<std::vector<Action>> AccessControl::AllowedActions(const Principal& principal,
                                                            std::string_view project) {
  std::vector<Action> allowed;
  for (Action a : {Action::kPull, Action::kList, Action::kPush, Action::kDelete}) {
    ASSIGN_OR_RETURN(bool ok, LoadAndDecide(principal, project, a));
    if (ok) allowed.push_back(a);
  }
  return allowed;
}

std::optional<bool> AccessControl::TryProjectExists(std::string_view name) {
  std::optional<ProjectEntry> p = CachedProject(name, UnixSeconds(clock_.Now()));
  if (!p) return std::nullopt;
  return p->project.has_value();
}

StatusOr<std::optional<metadata::ProjectRecord>> AccessControl::Project(std::string_view name) {
  int64_t now = UnixSeconds(clock_.Now());
  if (std::optional<ProjectEntry> p = CachedProject(name, now)) return p->project;
  ASSIGN_OR_RETURN(ProjectEntry loaded, LoadProject(name, now));
  return loaded.project;
}

void AccessControl::Invalidate() {
  std::lock_guard lock(mu_);
  projects_.clear();
  roles_.clear();
}

}  // namespace cangku::auth
