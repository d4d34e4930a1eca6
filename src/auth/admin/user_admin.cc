#include "auth/admin/user_admin.h"

#include <utility>

#include "auth/admin/names.h"
#include "auth/password.h"

namespace cangku::auth::admin {
namespace {

constexpr std::string_view kBootstrapAdmin = "admin";
// Bytes of randomness in a bootstrap password (hex: twice as many characters).
constexpr size_t kBootstrapPasswordBytes = 12;
constexpr int kAdminScanPage = 500;

std::string UserResource(std::string_view name) { return "user " + std::string(name); }

bool IsSelf(const Actor& actor, std::string_view name) {
  return actor.principal.kind == Principal::Kind::kUser && actor.principal.name == name;
}

// Whether an enabled system admin other than `except` exists.
StatusOr<bool> OtherEnabledAdmin(metadata::IdentityStore& store, std::string_view except) {
  metadata::PageRequest page{.last = "", .limit = kAdminScanPage};
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<metadata::UserRecord> users, store.ListUsers(page));
    for (const metadata::UserRecord& u : users) {
      if (u.admin && !u.disabled && u.name != except) return true;
    }
    if (users.size() < static_cast<size_t>(page.limit)) return false;
    page.last = users.back().name;
  }
}

// kFailedPrecondition when `user` is the last enabled system admin.
Status KeepOneAdmin(metadata::IdentityStore& store, const metadata::UserRecord& user,
                    std::string_view what) {
  if (!user.admin || user.disabled) return OkStatus();
  ASSIGN_OR_RETURN(bool other, OtherEnabledAdmin(store, user.name));
  if (other) return OkStatus();
  return FailedPreconditionError("cannot " + std::string(what) + " " + user.name +
                                 ": the last enabled system admin");
}

std::string Flags(const metadata::UserRecord& user) {
  return std::string("admin=") + (user.admin ? "true" : "false") +
         " disabled=" + (user.disabled ? "true" : "false");
}

}  // namespace

StatusOr<metadata::UserRecord> UserAdmin::Create(const Actor& actor, std::string_view name,
                                                 std::string_view password, bool admin) {
  if (!actor.principal.system_admin) {
    return Denied(ctx_, actor, "user.create", "", UserResource(name),
                  "only a system admin may create users");
  }
  RETURN_IF_ERROR(ValidateUserName(name));
  RETURN_IF_ERROR(ValidatePassword(password));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password, ctx_.random, ctx_.bcrypt_cost));
  int64_t now = UnixSeconds(ctx_.clock.Now());
  metadata::UserRecord user{.name = std::string(name),
                            .password_hash = std::move(hash),
                            .admin = admin,
                            .disabled = false,
                            .credential_version = 1,
                            .created_at = now,
                            .updated_at = now};
  RETURN_IF_ERROR(ctx_.store.CreateUser(user));
  Changed(ctx_, actor, "user.create", "", UserResource(name), Flags(user));
  return user;
}

StatusOr<std::vector<metadata::UserRecord>> UserAdmin::List(const Actor& actor,
                                                            const metadata::PageRequest& page) {
  if (!actor.principal.system_admin) {
    return PermissionDeniedError("only a system admin may list users");
  }
  if (page.limit <= 0) return std::vector<metadata::UserRecord>{};
  return ctx_.store.ListUsers(page);
}

StatusOr<metadata::UserRecord> UserAdmin::Get(const Actor& actor, std::string_view name) {
  if (!actor.principal.system_admin && !IsSelf(actor, name)) {
    return PermissionDeniedError("only a system admin may see other users");
  }
  RETURN_IF_ERROR(ValidateUserName(name));
  return ctx_.store.GetUser(name);
}

StatusOr<metadata::UserRecord> UserAdmin::Update(const Actor& actor, std::string_view name,
                                                 std::optional<bool> admin,
                                                 std::optional<bool> disabled) {
  if (!actor.principal.system_admin) {
    return Denied(ctx_, actor, "user.update", "", UserResource(name),
                  "only a system admin may change users");
  }
  RETURN_IF_ERROR(ValidateUserName(name));
  ASSIGN_OR_RETURN(metadata::UserRecord user, ctx_.store.GetUser(name));
  bool demoted = admin && !*admin && user.admin;
  bool disabling = disabled && *disabled && !user.disabled;
  if (demoted || disabling) {
    RETURN_IF_ERROR(KeepOneAdmin(ctx_.store, user, demoted ? "demote" : "disable"));
  }
  if (admin) user.admin = *admin;
  if (disabled) user.disabled = *disabled;
  // Tokens name the credential version: a disabled account's tokens must stop at once.
  if (disabling) ++user.credential_version;
  user.updated_at = UnixSeconds(ctx_.clock.Now());
  RETURN_IF_ERROR(ctx_.store.UpdateUser(user));
  Changed(ctx_, actor, "user.update", "", UserResource(name), Flags(user));
  return user;
}

Status UserAdmin::SetPassword(const Actor& actor, std::string_view name,
                              std::optional<std::string_view> old_password,
                              std::string_view new_password) {
  bool admin = actor.principal.system_admin;
  if (!admin && !IsSelf(actor, name)) {
    return Denied(ctx_, actor, "user.password", "", UserResource(name),
                  "only a system admin may change another user's password");
  }
  RETURN_IF_ERROR(ValidateUserName(name));
  RETURN_IF_ERROR(ValidatePassword(new_password));
  ASSIGN_OR_RETURN(metadata::UserRecord user, ctx_.store.GetUser(name));
  if (!admin) {
    if (!old_password) return InvalidArgumentError("the current password (old_password) is needed");
    if (!VerifyPassword(*old_password, user.password_hash)) {
      return Denied(ctx_, actor, "user.password", "", UserResource(name),
                    "the current password is wrong");
    }
  }
  ASSIGN_OR_RETURN(user.password_hash, HashPassword(new_password, ctx_.random, ctx_.bcrypt_cost));
  ++user.credential_version;
  user.updated_at = UnixSeconds(ctx_.clock.Now());
  RETURN_IF_ERROR(ctx_.store.UpdateUser(user));
  Changed(ctx_, actor, "user.password", "", UserResource(name));
  return OkStatus();
}

Status UserAdmin::Delete(const Actor& actor, std::string_view name) {
  if (!actor.principal.system_admin) {
    return Denied(ctx_, actor, "user.delete", "", UserResource(name),
                  "only a system admin may delete users");
  }
  RETURN_IF_ERROR(ValidateUserName(name));
  ASSIGN_OR_RETURN(metadata::UserRecord user, ctx_.store.GetUser(name));
  RETURN_IF_ERROR(KeepOneAdmin(ctx_.store, user, "delete"));
  RETURN_IF_ERROR(ctx_.store.DeleteUser(name));
  Changed(ctx_, actor, "user.delete", "", UserResource(name));
  return OkStatus();
}

StatusOr<ImportResult> UserAdmin::ImportHtpasswd(const Actor& actor, std::string_view htpasswd) {
  if (!actor.principal.system_admin) {
    return Denied(ctx_, actor, "user.import", "", "users", "only a system admin may import users");
  }
  ASSIGN_OR_RETURN(std::vector<HtpasswdEntry> entries, ParseHtpasswd(htpasswd));
  for (const HtpasswdEntry& e : entries) RETURN_IF_ERROR(ValidateUserName(e.user));
  ImportResult result;
  int64_t now = UnixSeconds(ctx_.clock.Now());
  for (HtpasswdEntry& e : entries) {
    StatusOr<metadata::UserRecord> user = ctx_.store.GetUser(e.user);
    if (user.ok()) {
      user->password_hash = std::move(e.hash);
      ++user->credential_version;
      user->updated_at = now;
      RETURN_IF_ERROR(ctx_.store.UpdateUser(*user));
      ++result.updated;
      continue;
    }
    if (user.status().code() != StatusCode::kNotFound) return user.status();
    RETURN_IF_ERROR(ctx_.store.CreateUser({.name = e.user,
                                           .password_hash = std::move(e.hash),
                                           .admin = false,
                                           .disabled = false,
                                           .credential_version = 1,
                                           .created_at = now,
                                           .updated_at = now}));
    ++result.created;
  }
  Changed(
      ctx_, actor, "user.import", "", "users",
      "created " + std::to_string(result.created) + ", updated " + std::to_string(result.updated));
  return result;
}

StatusOr<std::vector<metadata::MemberRecord>> UserAdmin::Memberships(const Actor& actor,
                                                                     std::string_view name) {
  if (!actor.principal.system_admin && !IsSelf(actor, name)) {
    return PermissionDeniedError("only a system admin may see other users' memberships");
  }
  return ctx_.store.ListMemberships(name);
}

StatusOr<std::optional<std::string>> UserAdmin::Bootstrap(std::string_view password) {
  ASSIGN_OR_RETURN(std::vector<metadata::UserRecord> users,
                   ctx_.store.ListUsers({.last = "", .limit = 1}));
  if (!users.empty()) return std::optional<std::string>();
  std::string generated;
  if (password.empty()) {
    generated = ctx_.random.Hex(kBootstrapPasswordBytes);
    password = generated;
  }
  RETURN_IF_ERROR(ValidatePassword(password));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password, ctx_.random, ctx_.bcrypt_cost));
  int64_t now = UnixSeconds(ctx_.clock.Now());
  Status created = ctx_.store.CreateUser({.name = std::string(kBootstrapAdmin),
                                          .password_hash = std::move(hash),
                                          .admin = true,
                                          .disabled = false,
                                          .credential_version = 1,
                                          .created_at = now,
                                          .updated_at = now});
  // Another instance sharing the store may have bootstrapped first.
  if (created.code() == StatusCode::kAlreadyExists) return std::optional<std::string>();
  RETURN_IF_ERROR(created);
  Changed(ctx_, SystemActor(), "user.create", "", UserResource(kBootstrapAdmin), "bootstrap");
  return std::optional<std::string>(std::move(generated));
}

}  // namespace cangku::auth::admin
