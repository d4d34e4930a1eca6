// /api/v1/projects: projects (ProjectAdmin decides who may do what).
//   GET, POST /projects (GET is paged with n/last and open to anonymous callers: public ones)
//   GET, PATCH, DELETE /projects/<p>   GET /projects/<p>/permissions   GET /projects/<p>/usage

#include "api/admin/handlers.h"
#include "auth/permissions.h"

namespace cangku::api::admin {
namespace {

StatusOr<std::pair<std::string, bool>> ParseNewProject(const nlohmann::json& body) {
  RETURN_IF_ERROR(OnlyFields(body, {"name", "public"}));
  std::optional<std::string> name;
  std::optional<bool> is_public;
  RETURN_IF_ERROR(GetString(body, "name", &name));
  RETURN_IF_ERROR(GetBool(body, "public", &is_public));
  if (!name) return InvalidArgumentError("\"name\" is required");
  return std::make_pair(*name, is_public.value_or(false));
}

StatusOr<std::optional<bool>> ParseProjectChange(const nlohmann::json& body) {
  RETURN_IF_ERROR(OnlyFields(body, {"public"}));
  std::optional<bool> is_public;
  RETURN_IF_ERROR(GetBool(body, "public", &is_public));
  return is_public;
}

// The quota of a project's policy document ({"quota_bytes": N, ...}; see features/policy), read
// here by its key so that the API does not depend on the policy feature.
nlohmann::json QuotaOf(const std::optional<std::string>& policy) {
  if (!policy) return nullptr;
  nlohmann::json doc = nlohmann::json::parse(*policy, nullptr, false);
  if (!doc.is_object()) return nullptr;
  auto it = doc.find("quota_bytes");
  if (it == doc.end() || !it->is_number_integer()) return nullptr;
  return *it;
}

http::Task<void> List(Call& call) {
  std::optional<PageParams> page = co_await PageParamsOrFail(call);
  if (!page) co_return;
  metadata::PageRequest request{.last = page->last, .limit = page->limit + 1};
  auto projects =
      co_await call.ctx.pool.Run([&] { return call.ctx.projects.List(call.actor, request); });
  if (!projects.ok()) co_return co_await Fail(call, projects.status());
  nlohmann::json out = PageAnswer(call, "/api/v1/projects", "projects", *page, *projects,
                                  [](const auto& record) { return ProjectJson(record); });
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Create(Call& call) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  auto spec = ParseNewProject(*body);
  if (!spec.ok()) co_return co_await Fail(call, spec.status());
  auto project = co_await call.ctx.pool.Run(
      [&] { return call.ctx.projects.Create(call.actor, spec->first, spec->second); });
  if (!project.ok()) co_return co_await Fail(call, project.status());
  nlohmann::json out = ProjectJson(*project);
  co_await Reply(call, 201, std::move(out));
}

http::Task<void> Get(Call& call, const std::string& name) {
  auto project =
      co_await call.ctx.pool.Run([&] { return call.ctx.projects.Get(call.actor, name); });
  if (!project.ok()) co_return co_await Fail(call, project.status());
  nlohmann::json out = ProjectJson(*project);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Update(Call& call, const std::string& name) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call);
  if (!body) co_return;
  auto is_public = ParseProjectChange(*body);
  if (!is_public.ok()) co_return co_await Fail(call, is_public.status());
  auto project = co_await call.ctx.pool.Run(
      [&] { return call.ctx.projects.Update(call.actor, name, *is_public); });
  if (!project.ok()) co_return co_await Fail(call, project.status());
  nlohmann::json out = ProjectJson(*project);
  co_await Reply(call, 200, std::move(out));
}

http::Task<void> Delete(Call& call, const std::string& name) {
  Status s = co_await call.ctx.pool.Run([&] { return call.ctx.projects.Delete(call.actor, name); });
  if (!s.ok()) co_return co_await Fail(call, s);
  co_await ReplyNoContent(call);
}

// {"project", "role": <name> or null, "actions": [...]}.
nlohmann::json PermissionsJson(const std::string& project,
                               const auth::admin::ProjectPermissions& permissions) {
  nlohmann::json actions = nlohmann::json::array();
  for (auth::Action a : permissions.actions) actions.push_back(auth::ActionName(a));
  nlohmann::json out;
  out["project"] = project;
  out["role"] = nullptr;
  if (permissions.role) out["role"] = auth::RoleName(*permissions.role);
  out["actions"] = std::move(actions);
  return out;
}

http::Task<void> Permissions(Call& call, const std::string& name) {
  // The answer is built on the worker: GCC 12 warns falsely (free-nonheap-object) about a
  // StatusOr<ProjectPermissions> carried through the coroutine.
  auto answer = co_await call.ctx.pool.Run([&]() -> StatusOr<nlohmann::json> {
    ASSIGN_OR_RETURN(auth::admin::ProjectPermissions permissions,
                     call.ctx.projects.Permissions(call.actor, name));
    return PermissionsJson(name, permissions);
  });
  if (!answer.ok()) co_return co_await Fail(call, answer.status());
  co_await Reply(call, 200, std::move(*answer));
}

// {"project", "used_bytes", "quota_bytes"} of a project the actor may read. Blocking.
StatusOr<nlohmann::json> UsageOf(AdminApiContext& ctx, const auth::admin::Actor& actor,
                                 const std::string& name) {
  RETURN_IF_ERROR(ctx.projects.Get(actor, name).status());
  ASSIGN_OR_RETURN(int64_t used, ctx.policies.ProjectUsage(name));
  ASSIGN_OR_RETURN(std::optional<std::string> policy, ctx.policies.GetProjectPolicy(name));
  nlohmann::json out;
  out["project"] = name;
  out["used_bytes"] = used;
  out["quota_bytes"] = QuotaOf(policy);
  return out;
}

http::Task<void> Usage(Call& call, const std::string& name) {
  auto usage = co_await call.ctx.pool.Run([&] { return UsageOf(call.ctx, call.actor, name); });
  if (!usage.ok()) co_return co_await Fail(call, usage.status());
  co_await Reply(call, 200, std::move(*usage));
}

}  // namespace

http::Task<void> HandleProjects(Call& call) {
  const std::vector<std::string>& p = call.path;
  std::string_view m = call.method();
  if (p.size() == 1) {
    if (m == "GET") co_return co_await List(call);
    if (m == "POST") co_return co_await Create(call);
    co_return co_await MethodNotAllowed(call);
  }
  if (p.size() == 2) {
    if (m == "GET") co_return co_await Get(call, p[1]);
    if (m == "PATCH") co_return co_await Update(call, p[1]);
    if (m == "DELETE") co_return co_await Delete(call, p[1]);
    co_return co_await MethodNotAllowed(call);
  }
  if (p.size() == 3 && (p[2] == "permissions" || p[2] == "usage")) {
    if (m != "GET") co_return co_await MethodNotAllowed(call);
    if (p[2] == "permissions") co_return co_await Permissions(call, p[1]);
    co_return co_await Usage(call, p[1]);
  }
  co_await NoSuchEndpoint(call);
}

}  // namespace cangku::api::admin
