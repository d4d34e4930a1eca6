// /api/v1/projects/<p>/members: a project's members and their roles (ProjectAdmin decides who
// may see and change them).
//   GET /projects/<p>/members   PUT, DELETE /projects/<p>/members/<user>

#include "api/admin/handlers.h"

namespace cangku::api::admin {
namespace {

StatusOr<std::string> ParseRole(const nlohmann::json& body) {
  RETURN_IF_ERROR(OnlyFields(body, {"role"}));
  std::optional<std::string> role;
  RETURN_IF_ERROR(GetString(body, "role", &role));
  if (!role) return InvalidArgumentError("\"role\" is required");
  return *role;
}

http::Task<void> List(Call& call, const std::string& project) {
  auto members = co_await call.ctx.pool.Run(
      [&] { return call.ctx.projects.ListMembers(call.actor, project); });
  if (!members.ok()) co_return co_await Fail(call, members.status());
  nlohmann::json list = nlohmann::json::array();
  for (const metadata::MemberRecord& m : *members) list.push_back(MemberJson(m));
  nlohmann::json out;
  out["members"] = std::move(list);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Put(Call& call, const std::string& project, const std::string& user) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  StatusOr<std::string> role = ParseRole(*body);
  if (!role.ok()) co_return co_await Fail(call, role.status());
  auto member = co_await call.ctx.pool.Run(
      [&] { return call.ctx.projects.PutMember(call.actor, project, user, *role); });
  if (!member.ok()) co_return co_await Fail(call, member.status());
  nlohmann::json out = MemberJson(*member);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Delete(Call& call, const std::string& project, const std::string& user) {
  Status s = co_await call.ctx.pool.Run(
      [&] { return call.ctx.projects.DeleteMember(call.actor, project, user); });
  if (!s.ok()) co_return co_await Fail(call, s);
  co_await ReplyNoContent(call);
}

}  // namespace

http::Task<void> HandleMembers(Call& call) {
  const std::vector<std::string>& p = call.path;  // projects/<p>/members[/<user>]
  std::string_view m = call.method();
  if (p.size() == 3) {
    if (m == "GET") co_return co_await List(call, p[1]);
    co_return co_await MethodNotAllowed(call);
  }
  if (p.size() == 4) {
    if (m == "PUT") co_return co_await Put(call, p[1], p[3]);
    if (m == "DELETE") co_return co_await Delete(call, p[1], p[3]);
    co_return co_await MethodNotAllowed(call);
  }
  co_await NoSuchEndpoint(call);
}

}  // namespace cangku::api::admin
