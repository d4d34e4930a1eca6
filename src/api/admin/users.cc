// /api/v1/users: local accounts (UserAdmin decides who may do what).
//   GET, POST /users            GET, PATCH, DELETE /users/<name>
//   PUT /users/<name>/password  POST /users/import (an htpasswd file as the body)

#include "api/admin/handlers.h"

namespace cangku::api::admin {
namespace {

constexpr size_t kMaxHtpasswd = 8 << 20;

struct NewUser {
  std::string name;
  std::string password;
  bool admin = false;
};

StatusOr<NewUser> ParseNewUser(const nlohmann::json& body) {
  RETURN_IF_ERROR(OnlyFields(body, {"name", "password", "admin"}));
  std::optional<std::string> name, password;
  std::optional<bool> admin;
  RETURN_IF_ERROR(GetString(body, "name", &name));
  RETURN_IF_ERROR(GetString(body, "password", &password));
  RETURN_IF_ERROR(GetBool(body, "admin", &admin));
  if (!name || !password) return InvalidArgumentError("\"name\" and \"password\" are required");
  return NewUser{*name, *password, admin.value_or(false)};
}

struct UserChange {
  std::optional<bool> admin;
  std::optional<bool> disabled;
};

StatusOr<UserChange> ParseUserChange(const nlohmann::json& body) {
  RETURN_IF_ERROR(OnlyFields(body, {"admin", "disabled"}));
  UserChange change;
  RETURN_IF_ERROR(GetBool(body, "admin", &change.admin));
  RETURN_IF_ERROR(GetBool(body, "disabled", &change.disabled));
  return change;
}

struct PasswordChange {
  std::optional<std::string> old_password;
  std::string new_password;
};

StatusOr<PasswordChange> ParsePasswordChange(const nlohmann::json& body) {
  RETURN_IF_ERROR(OnlyFields(body, {"old_password", "new_password"}));
  PasswordChange change;
  std::optional<std::string> fresh;
  RETURN_IF_ERROR(GetString(body, "old_password", &change.old_password));
  RETURN_IF_ERROR(GetString(body, "new_password", &fresh));
  if (!fresh) return InvalidArgumentError("\"new_password\" is required");
  change.new_password = std::move(*fresh);
  return change;
}

http::Task<void> List(Call& call) {
  std::optional<PageParams> page = co_await PageParamsOrFail(call);
  if (!page) co_return;
  // One more than asked, to know whether a next page exists.
  metadata::PageRequest request{.last = page->last, .limit = page->limit + 1};
  auto users = co_await call.ctx.pool.Run([&] { return call.ctx.users.List(call.actor, request); });
  if (!users.ok()) co_return co_await Fail(call, users.status());
  nlohmann::json out = PageAnswer(call, "/api/v1/users", "users", *page, *users,
                                  [](const auto& record) { return UserJson(record); });
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Create(Call& call) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  StatusOr<NewUser> spec = ParseNewUser(*body);
  if (!spec.ok()) co_return co_await Fail(call, spec.status());
  auto user = co_await call.ctx.pool.Run(
      [&] { return call.ctx.users.Create(call.actor, spec->name, spec->password, spec->admin); });
  if (!user.ok()) co_return co_await Fail(call, user.status());
  nlohmann::json out = UserJson(*user);
  co_await Reply(call, 201, std::move(out));
}

http::Task<void> Import(Call& call) {
  std::optional<std::string> text = co_await ReadText(call, kMaxHtpasswd);
  if (!text) co_return;
  auto result =
      co_await call.ctx.pool.Run([&] { return call.ctx.users.ImportHtpasswd(call.actor, *text); });
  if (!result.ok()) co_return co_await Fail(call, result.status());
  nlohmann::json out;
  out["created"] = result->created;
  out["updated"] = result->updated;
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Get(Call& call, const std::string& name) {
  auto user = co_await call.ctx.pool.Run([&] { return call.ctx.users.Get(call.actor, name); });
  if (!user.ok()) co_return co_await Fail(call, user.status());
  nlohmann::json out = UserJson(*user);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Update(Call& call, const std::string& name) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  StatusOr<UserChange> change = ParseUserChange(*body);
  if (!change.ok()) co_return co_await Fail(call, change.status());
  auto user = co_await call.ctx.pool.Run(
      [&] { return call.ctx.users.Update(call.actor, name, change->admin, change->disabled); });
  if (!user.ok()) co_return co_await Fail(call, user.status());
  nlohmann::json out = UserJson(*user);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Delete(Call& call, const std::string& name) {
  Status s = co_await call.ctx.pool.Run([&] { return call.ctx.users.Delete(call.actor, name); });
  if (!s.ok()) co_return co_await Fail(call, s);
  co_await ReplyNoContent(call);
}

http::Task<void> SetPassword(Call& call, const std::string& name) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  StatusOr<PasswordChange> change = ParsePasswordChange(*body);
  if (!change.ok()) co_return co_await Fail(call, change.status());
  Status s = co_await call.ctx.pool.Run([&] {
    std::optional<std::string_view> old;
    if (change->old_password) old = *change->old_password;
    return call.ctx.users.SetPassword(call.actor, name, old, change->new_password);
  });
  if (!s.ok()) co_return co_await Fail(call, s);
  co_await ReplyNoContent(call);
}

}  // namespace

http::Task<void> HandleUsers(Call& call) {
  const std::vector<std::string>& p = call.path;
  std::string_view m = call.method();
  if (p.size() == 1) {
    if (m == "GET") co_return co_await List(call);
    if (m == "POST") co_return co_await Create(call);
    co_return co_await MethodNotAllowed(call);
  }
  if (p.size() == 2 && p[1] == "import" && m == "POST") co_return co_await Import(call);
  if (p.size() == 2) {
    if (m == "GET") co_return co_await Get(call, p[1]);
    if (m == "PATCH") co_return co_await Update(call, p[1]);
    if (m == "DELETE") co_return co_await Delete(call, p[1]);
    co_return co_await MethodNotAllowed(call);
  }
  if (p.size() == 3 && p[2] == "password") {
    if (m == "PUT") co_return co_await SetPassword(call, p[1]);
    co_return co_await MethodNotAllowed(call);
  }
  co_await NoSuchEndpoint(call);
}

}  // namespace cangku::api::admin
