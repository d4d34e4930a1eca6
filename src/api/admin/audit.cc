// /api/v1/audit: the audit log, newest first, paged by id.
//   GET /audit (system admins; filters actor, project, action, since, until)
//   GET /projects/<p>/audit (the view-log permission in <p>; filters actor, action, since, until)
// Both take n (default 100, at most 1000) and before_id, and answer
// {"entries": [...], "next": <the before_id of the next page, or null>}.

#include "api/admin/handlers.h"
#include "auth/permissions.h"

namespace cangku::api::admin {
namespace {

constexpr int64_t kDefaultPage = 100;
constexpr int64_t kMaxPage = 1000;

StatusOr<metadata::AuditQuery> ParseQuery(const http::Request& req) {
  metadata::AuditQuery q;
  q.actor = req.query("actor").value_or("");
  q.project = req.query("project").value_or("");
  q.action = req.query("action").value_or("");
  ASSIGN_OR_RETURN(std::optional<int64_t> since, IntQuery(req, "since"));
  ASSIGN_OR_RETURN(std::optional<int64_t> until, IntQuery(req, "until"));
  ASSIGN_OR_RETURN(std::optional<int64_t> before_id, IntQuery(req, "before_id"));
  ASSIGN_OR_RETURN(std::optional<int64_t> n, IntQuery(req, "n"));
  q.since = since.value_or(0);
  q.until = until.value_or(0);
  q.before_id = before_id.value_or(0);
  q.limit = static_cast<int>(std::min(n.value_or(kDefaultPage), kMaxPage));
  return q;
}

// Whether the actor may read the log of `project` ("": the whole log); kNotFound for a project
// that does not exist.
Status MayRead(AdminApiContext& ctx, const auth::admin::Actor& actor, const std::string& project) {
  if (project.empty()) {
    if (actor.principal.system_admin) return OkStatus();
    return PermissionDeniedError("only a system admin may read the whole audit log");
  }
  ASSIGN_OR_RETURN(bool ok,
                   ctx.access.AllowedInProject(actor.principal, project, auth::Action::kViewLog));
  if (!ok) return PermissionDeniedError("not allowed to read the audit log of project " + project);
  ASSIGN_OR_RETURN(std::optional<metadata::ProjectRecord> record, ctx.access.Project(project));
  if (!record) return NotFoundError("no project " + project);
  return OkStatus();
}

// Runs the query (one entry more than asked, to know whether a next page exists) and builds the
// answer.
StatusOr<nlohmann::json> Page(AdminApiContext& ctx, metadata::AuditQuery query) {
  nlohmann::json entries = nlohmann::json::array();
  nlohmann::json next = nullptr;
  if (query.limit > 0) {
    int limit = query.limit;
    ++query.limit;
    ASSIGN_OR_RETURN(std::vector<metadata::AuditRecord> records, ctx.audit.QueryAudit(query));
    for (size_t i = 0; i < records.size() && i < static_cast<size_t>(limit); ++i) {
      entries.push_back(AuditJson(records[i]));
    }
    if (records.size() > static_cast<size_t>(limit)) next = records[limit - 1].id;
  }
  nlohmann::json out;
  out["entries"] = std::move(entries);
  out["next"] = std::move(next);
  return out;
}

http::Task<void> Query(Call& call, const std::string& project) {
  if (call.method() != "GET") co_return co_await MethodNotAllowed(call);
  StatusOr<metadata::AuditQuery> query = ParseQuery(call.req);
  if (!query.ok()) co_return co_await Fail(call, query.status());
  if (!project.empty()) query->project = project;
  auto answer = co_await call.ctx.pool.Run([&]() -> StatusOr<nlohmann::json> {
    RETURN_IF_ERROR(MayRead(call.ctx, call.actor, project));
    return Page(call.ctx, *query);
  });
  if (!answer.ok()) co_return co_await Fail(call, answer.status());
  co_await Reply(call, 200, std::move(*answer));
}

}  // namespace

http::Task<void> HandleAudit(Call& call) {
  const std::vector<std::string>& p = call.path;
  if (p.size() == 1) {
    const std::string whole_log;
    co_return co_await Query(call, whole_log);
  }
  if (p[0] == "projects" && p.size() == 3) co_return co_await Query(call, p[1]);
  co_await NoSuchEndpoint(call);
}

}  // namespace cangku::api::admin
