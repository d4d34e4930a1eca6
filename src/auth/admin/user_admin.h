#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/admin/admin_context.h"
#include "common/status.h"
#include "metadata/identity_store.h"

namespace cangku::auth::admin {

struct ImportResult {
  int created = 0;
  int updated = 0;  // existing users whose password hash was replaced
};

// Local user accounts. Only a system admin manages users; a user may read and change their own
// account's password. Every change is audited (refusals for want of permission as "denied").
// Errors of every method: kPermissionDenied (the actor may not), kInvalidArgument (bad name or
// password: names are 1-64 characters of [A-Za-z0-9._@-] starting with a letter or digit,
// "system" reserved; passwords 8-72 bytes; see names.h), kNotFound, kAlreadyExists,
// kFailedPrecondition (the last enabled admin cannot be removed, disabled or demoted).
// Blocking; thread-safe.
class UserAdmin {
 public:
  explicit UserAdmin(AdminContext& ctx) : ctx_(ctx) {}

  StatusOr<metadata::UserRecord> Create(const Actor& actor, std::string_view name,
                                        std::string_view password, bool admin);
  StatusOr<std::vector<metadata::UserRecord>> List(const Actor& actor,
                                                   const metadata::PageRequest& page);
  StatusOr<metadata::UserRecord> Get(const Actor& actor, std::string_view name);
  // Changes the admin flag and/or disables/enables the account (disabling bumps the credential
  // version: the user's tokens stop working).
  StatusOr<metadata::UserRecord> Update(const Actor& actor, std::string_view name,
                                        std::optional<bool> admin, std::optional<bool> disabled);
  // Sets a new password (bumps the credential version). A user changing their own password must
  // give the current one (`old_password`); a system admin need not.
  Status SetPassword(const Actor& actor, std::string_view name,
                     std::optional<std::string_view> old_password, std::string_view new_password);
  // Deletes the account and its memberships.
  Status Delete(const Actor& actor, std::string_view name);
  // Creates the users of an htpasswd file (bcrypt entries) and replaces the hashes of those that
  // exist. Errors also: the parser's kInvalidArgument naming the line (nothing changed then).
  StatusOr<ImportResult> ImportHtpasswd(const Actor& actor, std::string_view htpasswd);

  // The user's project memberships, by project name (the user or a system admin may ask).
  StatusOr<std::vector<metadata::MemberRecord>> Memberships(const Actor& actor,
                                                            std::string_view name);

  // First start: when no user exists, creates the system admin "admin" with `password`, or, if
  // that is empty, with a random one (24 characters) which is returned so the caller shows it
  // once; returns "" when `password` was used, nullopt when users exist already (nothing done).
  // Audited as "user.create" by actor "system".
  StatusOr<std::optional<std::string>> Bootstrap(std::string_view password);

 private:
  AdminContext& ctx_;
};

}  // namespace cangku::auth::admin
