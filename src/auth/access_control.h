#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/permissions.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/status.h"
#include "metadata/identity_store.h"

namespace cangku::auth {

// The project a repository belongs to: its first path component.
std::string_view ProjectOf(std::string_view repository);

// Decides what a principal may do in a project, from the project's visibility, the principal's
// membership, robot grants and token access. Reads the identity store through a small cache
// (entries live `ttl`; Invalidate() drops them at once after a local change), so most decisions
// need no I/O. Thread-safe.
class AccessControl {
 public:
  // `auto_create_projects`: a user (not a robot) may push to a project that does not exist yet
  // (the registry creates it for the pusher at the first push).
  AccessControl(metadata::IdentityStore& store, const Clock& clock, bool auto_create_projects,
                std::chrono::seconds ttl = std::chrono::seconds(5))
      : store_(store), clock_(clock), auto_create_projects_(auto_create_projects), ttl_(ttl) {}

  bool auto_create_projects() const { return auto_create_projects_; }

  // Whether `principal` may do `action` on `repository` (its project's roles decide; a bearer
  // token must also grant it: pull and list need "pull", push "push", delete "delete"), answered
  // from the cache alone; nullopt when that needs the store (call Allowed on a worker then).
  // Never blocks.
  std::optional<bool> TryAllowed(const Principal& principal, std::string_view repository,
                                 Action action);
  // Whether `principal` may do `action` on `repository`. Blocking.
  StatusOr<bool> Allowed(const Principal& principal, std::string_view repository, Action action);
  // Whether `principal` may do the project-level `action` (members, robots, policies, log) in
  // `project`. Token access is not consulted: project management takes account credentials.
  // Blocking.
  StatusOr<bool> AllowedInProject(const Principal& principal, std::string_view project,
                                  Action action);
  // The principal's role-given actions on `project`, ignoring token access (the token endpoint
  // intersects a request with this). Blocking.
  StatusOr<std::vector<Action>> AllowedActions(const Principal& principal,
                                               std::string_view project);
  // Whether the project exists, answered from the cache alone; nullopt when it does not know.
  // Never blocks.
  std::optional<bool> TryProjectExists(std::string_view name);
  // The project, or nullopt when it does not exist. Blocking (cached).
  StatusOr<std::optional<metadata::ProjectRecord>> Project(std::string_view name);

  // Drops every cached entry (after a change to users, projects, members or robots).
  void Invalidate();

 private:
  struct ProjectEntry {
    std::optional<metadata::ProjectRecord> project;
    int64_t expires = 0;
  };
  struct RoleEntry {
    std::optional<Role> role;
    int64_t expires = 0;
  };
  std::optional<ProjectEntry> CachedProject(std::string_view name, int64_t now);
  std::optional<RoleEntry> CachedRole(const std::string& key, int64_t now);
  StatusOr<ProjectEntry> LoadProject(std::string_view name, int64_t now);
  StatusOr<RoleEntry> LoadRole(std::string_view project, std::string_view user, int64_t now);
  // The decision once the project and (for users) the role are known.
  bool Decide(const Principal& principal, std::string_view project,
              const std::optional<metadata::ProjectRecord>& record, const std::optional<Role>& role,
              Action action) const;
  // Loads what Decide needs (blocking) and decides; token access is not consulted.
  StatusOr<bool> LoadAndDecide(const Principal& principal, std::string_view project, Action action);

  metadata::IdentityStore& store_;
  const Clock& clock_;
  const bool auto_create_projects_;
  const std::chrono::seconds ttl_;

  std::mutex mu_;
  std::unordered_map<std::string, ProjectEntry> projects_;  // guarded by mu_
  std::unordered_map<std::string, RoleEntry> roles_;        // "project\nuser"; guarded by mu_
};

}  // namespace cangku::auth
