// GET /api/v1/me: who the caller is, as the registry sees them: name, kind ("user" or "robot"),
// whether a system admin, and their project memberships (a robot: its permissions).

#include "api/admin/handlers.h"

namespace cangku::api::admin {
namespace {

std::string_view KindName(auth::Principal::Kind kind) {
  switch (kind) {
    case auth::Principal::Kind::kUser:
      return "user";
    case auth::Principal::Kind::kRobot:
      return "robot";
    case auth::Principal::Kind::kAnonymous:
      break;
  }
  return "anonymous";
}

nlohmann::json GrantsJson(const std::vector<auth::RobotGrant>& grants) {
  nlohmann::json out = nlohmann::json::array();
  for (const auth::RobotGrant& g : grants) {
    nlohmann::json actions = nlohmann::json::array();
    for (auth::Action a : g.actions) actions.push_back(auth::ActionName(a));
    nlohmann::json grant;
    grant["project"] = g.project;
    grant["actions"] = std::move(actions);
    out.push_back(std::move(grant));
  }
  return out;
}

}  // namespace

http::Task<void> HandleMe(Call& call) {
  if (call.path.size() != 1) co_return co_await NoSuchEndpoint(call);
  if (call.method() != "GET") co_return co_await MethodNotAllowed(call);
  const auth::Principal& who = call.actor.principal;
  std::vector<metadata::MemberRecord> memberships;
  if (who.kind == auth::Principal::Kind::kUser && !who.name.empty()) {
    auto listed = co_await call.ctx.pool.Run(
        [&] { return call.ctx.users.Memberships(call.actor, who.name); });
    if (!listed.ok()) co_return co_await Fail(call, listed.status());
    memberships = std::move(*listed);
  }
  nlohmann::json list = nlohmann::json::array();
  for (const metadata::MemberRecord& m : memberships) {
    nlohmann::json entry;
    entry["project"] = m.project;
    entry["role"] = m.role;
    list.push_back(std::move(entry));
  }
  nlohmann::json out;
  out["name"] = auth::admin::AuditName(call.actor);
  out["kind"] = KindName(who.kind);
  out["admin"] = who.system_admin;
  out["memberships"] = std::move(list);
  if (who.kind == auth::Principal::Kind::kRobot) out["permissions"] = GrantsJson(who.robot_grants);
  co_await Reply(call, 200, std::move(out));
}

}  // namespace cangku::api::admin
