// /api/v1/robots: robot accounts (RobotAdmin decides who may manage which). Full names hold '$'
// and '+', which may come percent-encoded.
//   GET, POST /robots (system robots)   GET, POST /projects/<p>/robots
//   GET, PATCH, DELETE /robots/<full name>   POST /robots/<full name>/secret (rotate)

#include "api/admin/handlers.h"

namespace cangku::api::admin {
namespace {

StatusOr<auth::admin::RobotSpec> ParseSpec(const nlohmann::json& body, const std::string& project) {
  RETURN_IF_ERROR(OnlyFields(body, {"name", "description", "permissions", "expires_at"}));
  auth::admin::RobotSpec spec;
  spec.project = project;
  std::optional<std::string> name, description;
  std::optional<int64_t> expires_at;
  RETURN_IF_ERROR(GetString(body, "name", &name));
  RETURN_IF_ERROR(GetString(body, "description", &description));
  RETURN_IF_ERROR(GetInt(body, "expires_at", &expires_at));
  if (!name) return InvalidArgumentError("\"name\" is required");
  spec.name = std::move(*name);
  spec.description = description.value_or("");
  spec.expires_at = expires_at.value_or(0);
  auto permissions = body.find("permissions");
  if (permissions != body.end() && !permissions->is_null()) {
    ASSIGN_OR_RETURN(spec.grants, ParseGrants(*permissions));
  }
  return spec;
}

struct RobotChange {
  std::optional<bool> disabled;
  std::optional<int64_t> expires_at;
  std::optional<std::vector<auth::RobotGrant>> grants;
  std::optional<std::string> description;
};

StatusOr<RobotChange> ParseChange(const nlohmann::json& body) {
  RETURN_IF_ERROR(OnlyFields(body, {"disabled", "expires_at", "permissions", "description"}));
  RobotChange change;
  RETURN_IF_ERROR(GetBool(body, "disabled", &change.disabled));
  RETURN_IF_ERROR(GetInt(body, "expires_at", &change.expires_at));
  RETURN_IF_ERROR(GetString(body, "description", &change.description));
  auto permissions = body.find("permissions");
  if (permissions != body.end() && !permissions->is_null()) {
    ASSIGN_OR_RETURN(change.grants, ParseGrants(*permissions));
  }
  return change;
}

nlohmann::json WithSecret(const auth::admin::RobotWithSecret& created) {
  nlohmann::json out = RobotJson(created.robot);
  out["secret"] = created.secret;
  return out;
}

http::Task<void> List(Call& call, const std::string& project) {
  auto robots =
      co_await call.ctx.pool.Run([&] { return call.ctx.robots.List(call.actor, project); });
  if (!robots.ok()) co_return co_await Fail(call, robots.status());
  nlohmann::json list = nlohmann::json::array();
  for (const metadata::RobotRecord& r : *robots) list.push_back(RobotJson(r));
  nlohmann::json out;
  out["robots"] = std::move(list);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Create(Call& call, const std::string& project) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  StatusOr<auth::admin::RobotSpec> spec = ParseSpec(*body, project);
  if (!spec.ok()) co_return co_await Fail(call, spec.status());
  auto created =
      co_await call.ctx.pool.Run([&] { return call.ctx.robots.Create(call.actor, *spec); });
  if (!created.ok()) co_return co_await Fail(call, created.status());
  nlohmann::json out = WithSecret(*created);
  co_await Reply(call, 201, std::move(out));
}

http::Task<void> Get(Call& call, const std::string& name) {
  auto robot = co_await call.ctx.pool.Run([&] { return call.ctx.robots.Get(call.actor, name); });
  if (!robot.ok()) co_return co_await Fail(call, robot.status());
  nlohmann::json out = RobotJson(*robot);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Update(Call& call, const std::string& name) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  StatusOr<RobotChange> change = ParseChange(*body);
  if (!change.ok()) co_return co_await Fail(call, change.status());
  auto robot = co_await call.ctx.pool.Run([&] {
    return call.ctx.robots.Update(call.actor, name, change->disabled, change->expires_at,
                                  change->grants, change->description);
  });
  if (!robot.ok()) co_return co_await Fail(call, robot.status());
  nlohmann::json out = RobotJson(*robot);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Rotate(Call& call, const std::string& name) {
  auto rotated =
      co_await call.ctx.pool.Run([&] { return call.ctx.robots.Rotate(call.actor, name); });
  if (!rotated.ok()) co_return co_await Fail(call, rotated.status());
  nlohmann::json out = WithSecret(*rotated);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Delete(Call& call, const std::string& name) {
  Status s = co_await call.ctx.pool.Run([&] { return call.ctx.robots.Delete(call.actor, name); });
  if (!s.ok()) co_return co_await Fail(call, s);
  co_await ReplyNoContent(call);
}

// GET/POST on a list of robots: the system's ("") or a project's.
http::Task<void> Collection(Call& call, const std::string& project) {
  if (call.method() == "GET") co_return co_await List(call, project);
  if (call.method() == "POST") co_return co_await Create(call, project);
  co_await MethodNotAllowed(call);
}

}  // namespace

http::Task<void> HandleRobots(Call& call) {
  const std::vector<std::string>& p = call.path;
  std::string_view m = call.method();
  if (p[0] == "projects") {  // projects/<p>/robots
    if (p.size() == 3) co_return co_await Collection(call, p[1]);
    co_return co_await NoSuchEndpoint(call);
  }
  if (p.size() == 1) {
    const std::string system_robots;  // the project of system robots
    co_return co_await Collection(call, system_robots);
  }
  if (p.size() == 2) {
    if (m == "GET") co_return co_await Get(call, p[1]);
    if (m == "PATCH") co_return co_await Update(call, p[1]);
    if (m == "DELETE") co_return co_await Delete(call, p[1]);
    co_return co_await MethodNotAllowed(call);
  }
  if (p.size() == 3 && p[2] == "secret") {
    if (m == "POST") co_return co_await Rotate(call, p[1]);
    co_return co_await MethodNotAllowed(call);
  }
  co_await NoSuchEndpoint(call);
}

}  // namespace cangku::api::admin
