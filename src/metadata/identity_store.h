#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "metadata/metadata_store.h"

namespace cangku::metadata {

// A local account. `password_hash` is a bcrypt hash ("$2b$..."); the store never sees a
// password. `credential_version` changes whenever the password changes or the account is
// disabled, so that tokens issued before no longer verify.
struct UserRecord {
  std::string name;
  std::string password_hash;
  bool admin = false;
  bool disabled = false;
  int64_t credential_version = 1;
  int64_t created_at = 0;  // Unix seconds
  int64_t updated_at = 0;
};

// A project: the first path component of repository names. Public projects allow anonymous pull.
struct ProjectRecord {
  std::string name;
  bool is_public = false;
  std::string owner;  // the user who created it ("" when created by the system)
  int64_t created_at = 0;
};

// A user's role in a project. `role` is the role's name ("project-admin", "maintainer",
// "developer", "guest", "limited-guest"); the store does not interpret it.
struct MemberRecord {
  std::string project;
  std::string user;
  std::string role;
  int64_t created_at = 0;
};

// A robot account. `name` is the full login name ("robot$<project>+<name>" for a project robot,
// "robot$<name>" for a system robot); `project` is "" for a system robot. `secret_hash` is the
// SHA-256 of the secret (hex); `permissions_json` a JSON document the auth module interprets.
struct RobotRecord {
  std::string name;
  std::string project;
  std::string description;
  std::string secret_hash;
  std::string permissions_json = "[]";
  int64_t expires_at = 0;  // Unix seconds; 0: never
  bool disabled = false;
  int64_t credential_version = 1;
  std::string created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Users, projects with their members, and robot accounts. Thread-safe and blocking (never call on
// an I/O thread). Names are assumed valid (checked by the caller).
class IdentityStore {
 public:
  virtual ~IdentityStore() = default;

  // Users. Errors: CreateUser kAlreadyExists; Get/Update/DeleteUser kNotFound. UpdateUser
  // replaces every field but name and created_at. DeleteUser also removes the user's
  // memberships.
  virtual Status CreateUser(const UserRecord& user) = 0;
  virtual StatusOr<UserRecord> GetUser(std::string_view name) = 0;
  virtual StatusOr<std::vector<UserRecord>> ListUsers(const PageRequest& page) = 0;
  virtual Status UpdateUser(const UserRecord& user) = 0;
  virtual Status DeleteUser(std::string_view name) = 0;

  // Projects. Errors: CreateProject kAlreadyExists; Get/Update/DeleteProject kNotFound.
  // UpdateProject replaces is_public and owner. DeleteProject also removes the project's members,
  // robots and policy (the caller makes sure it holds no repository).
  virtual Status CreateProject(const ProjectRecord& project) = 0;
  virtual StatusOr<ProjectRecord> GetProject(std::string_view name) = 0;
  virtual StatusOr<std::vector<ProjectRecord>> ListProjects(const PageRequest& page) = 0;
  virtual Status UpdateProject(const ProjectRecord& project) = 0;
  virtual Status DeleteProject(std::string_view name) = 0;

  // Members. PutMember adds or changes a membership; errors: kNotFound when the project or the
  // user does not exist. DeleteMember: kNotFound. ListMembers: by user name; kNotFound for an
  // unknown project. ListMemberships: every membership of `user`, by project name (empty for an
  // unknown user).
  virtual Status PutMember(const MemberRecord& member) = 0;
  virtual Status DeleteMember(std::string_view project, std::string_view user) = 0;
  virtual StatusOr<std::vector<MemberRecord>> ListMembers(std::string_view project) = 0;
  virtual StatusOr<std::vector<MemberRecord>> ListMemberships(std::string_view user) = 0;

  // Robots. Errors: CreateRobot kAlreadyExists (kNotFound when `project` is set and does not
  // exist); Get/Update/DeleteRobot kNotFound. UpdateRobot replaces every field but name,
  // project, created_by and created_at. ListRobots: the robots of `project` ("" lists the system
  // robots), by name.
  virtual Status CreateRobot(const RobotRecord& robot) = 0;
  virtual StatusOr<RobotRecord> GetRobot(std::string_view name) = 0;
  virtual StatusOr<std::vector<RobotRecord>> ListRobots(std::string_view project) = 0;
  virtual Status UpdateRobot(const RobotRecord& robot) = 0;
  virtual Status DeleteRobot(std::string_view name) = 0;
};

}  // namespace cangku::metadata
