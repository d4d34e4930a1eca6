// /api/v1/gc and /api/v1/retention: garbage collection and retention runs on demand, done by the
// server's hooks (AdminApiContext::maintenance) on the worker pool.
//   POST /gc {"dry_run"?, "delete_untagged"?, "grace"?} (system admins)
//   POST /retention {"project"?, "dry_run"?, "grace"?} (system admins; with "project", also
//     callers with manage-policies in it)

#include <chrono>

#include "api/admin/handlers.h"
#include "api/errors.h"
#include "api/v2/context.h"
#include "auth/permissions.h"
#ifdef CANGKU_FEATURE_GC
#include "features/gc/garbage_collector.h"
#endif
#ifdef CANGKU_FEATURE_RETENTION
#include "features/retention/retention.h"
#endif

namespace cangku::api::admin {
namespace {

constexpr int64_t kDefaultGraceSeconds = 3600;

http::Task<void> NotBuiltIn(Call& call, std::string what) {
  co_await v2::SendError(call.resp, ErrorCode::kNotFound, what + " is not built in");
}

// The "grace" field in seconds (default one hour). Errors: kInvalidArgument.
[[maybe_unused]] StatusOr<std::chrono::seconds> Grace(const nlohmann::json& body) {
  std::optional<int64_t> grace;
  RETURN_IF_ERROR(GetInt(body, "grace", &grace));
  if (grace && *grace < 0) return InvalidArgumentError("\"grace\" must not be negative");
  return std::chrono::seconds(grace.value_or(kDefaultGraceSeconds));
}

#ifdef CANGKU_FEATURE_GC
Status ParseGcOptions(const nlohmann::json& body, gc::GcOptions* out) {
  RETURN_IF_ERROR(OnlyFields(body, {"dry_run", "delete_untagged", "grace"}));
  std::optional<bool> dry_run;
  std::optional<bool> delete_untagged;
  RETURN_IF_ERROR(GetBool(body, "dry_run", &dry_run));
  RETURN_IF_ERROR(GetBool(body, "delete_untagged", &delete_untagged));
  ASSIGN_OR_RETURN(out->grace, Grace(body));
  out->dry_run = dry_run.value_or(false);
  out->delete_untagged = delete_untagged.value_or(false);
  return OkStatus();
}

nlohmann::json GcJson(const gc::GcReport& report) {
  nlohmann::json blobs = nlohmann::json::array();
  for (const oci::Digest& d : report.blobs) blobs.push_back(d.str());
  nlohmann::json out;
  out["dry_run"] = report.dry_run;
  out["manifests"] = report.manifests;
  out["links"] = report.links;
  out["blobs"] = std::move(blobs);
  out["bytes_freed"] = report.bytes_freed;
  out["manifests_seen"] = report.manifests_seen;
  out["links_seen"] = report.links_seen;
  out["blobs_seen"] = report.blobs_seen;
  out["saved_by_race"] = report.saved_by_race;
  out["mark_ms"] = report.mark_time.count();
  out["sweep_ms"] = report.sweep_time.count();
  return out;
}

http::Task<void> RunGc(Call& call) {
  if (!call.actor.principal.system_admin) {
    co_return co_await Fail(call, PermissionDeniedError("only a system admin may collect garbage"));
  }
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call, /*empty_is_object=*/true);
  if (!body) co_return;
  gc::GcOptions options;
  if (Status s = ParseGcOptions(*body, &options); !s.ok()) co_return co_await Fail(call, s);
  // The report becomes JSON on the worker: only the answer crosses back.
  auto answer = co_await call.ctx.pool.Run([&]() -> StatusOr<nlohmann::json> {
    ASSIGN_OR_RETURN(gc::GcReport report, call.ctx.maintenance.gc(options, call.actor));
    return GcJson(report);
  });
  if (!answer.ok()) co_return co_await Fail(call, answer.status());
  co_await Reply(call, 200, std::move(*answer));
}
#endif

#ifdef CANGKU_FEATURE_RETENTION
Status ParseRetentionOptions(const nlohmann::json& body, retention::RetentionOptions* out) {
  RETURN_IF_ERROR(OnlyFields(body, {"project", "dry_run", "grace"}));
  std::optional<bool> dry_run;
  RETURN_IF_ERROR(GetString(body, "project", &out->project));
  RETURN_IF_ERROR(GetBool(body, "dry_run", &dry_run));
  ASSIGN_OR_RETURN(out->grace, Grace(body));
  out->dry_run = dry_run.value_or(false);
  if (out->project && (out->project->empty() || out->project->find('/') != std::string::npos)) {
    return InvalidArgumentError("bad project name \"" + *out->project + "\"");
  }
  return OkStatus();
}

// Whether the actor may run retention for `project` (unset: every project); kNotFound for a
// project that does not exist.
Status MayRunRetention(AdminApiContext& ctx, const auth::admin::Actor& actor,
                       const std::optional<std::string>& project) {
  if (!project) {
    if (actor.principal.system_admin) return OkStatus();
    return PermissionDeniedError("only a system admin may run retention for every project");
  }
  ASSIGN_OR_RETURN(bool ok, ctx.access.AllowedInProject(actor.principal, *project,
                                                        auth::Action::kManagePolicies));
  if (!ok)
    return PermissionDeniedError("not allowed to manage the policies of project " + *project);
  ASSIGN_OR_RETURN(std::optional<metadata::ProjectRecord> record, ctx.access.Project(*project));
  if (!record) return NotFoundError("no project " + *project);
  return OkStatus();
}

nlohmann::json RetentionJson(const retention::RetentionReport& report) {
  nlohmann::json removed = nlohmann::json::array();
  for (const retention::Removal& r : report.removed) {
    nlohmann::json entry;
    entry["repository"] = r.repository;
    entry["tag"] = r.tag;
    entry["digest"] = r.digest.str();
    entry["reason"] = r.reason;
    removed.push_back(std::move(entry));
  }
  nlohmann::json out;
  out["dry_run"] = report.dry_run;
  out["removed"] = std::move(removed);
  out["tags_kept"] = report.tags_kept;
  out["changed_meanwhile"] = report.changed_meanwhile;
  return out;
}

http::Task<void> RunRetention(Call& call) {
  std::optional<nlohmann::json> body = co_await ReadJsonObject(call, /*empty_is_object=*/true);
  if (!body) co_return;
  retention::RetentionOptions options;
  if (Status s = ParseRetentionOptions(*body, &options); !s.ok()) co_return co_await Fail(call, s);
  auto answer = co_await call.ctx.pool.Run([&]() -> StatusOr<nlohmann::json> {
    RETURN_IF_ERROR(MayRunRetention(call.ctx, call.actor, options.project));
    ASSIGN_OR_RETURN(retention::RetentionReport report,
                     call.ctx.maintenance.retention(options, call.actor));
    return RetentionJson(report);
  });
  if (!answer.ok()) co_return co_await Fail(call, answer.status());
  co_await Reply(call, 200, std::move(*answer));
}
#endif

}  // namespace

http::Task<void> HandleGc(Call& call) {
  if (call.path.size() != 1) co_return co_await NoSuchEndpoint(call);
  if (call.method() != "POST") co_return co_await MethodNotAllowed(call);
#ifdef CANGKU_FEATURE_GC
  if (call.ctx.maintenance.gc) co_return co_await RunGc(call);
#endif
  co_await NotBuiltIn(call, "garbage collection");
}

http::Task<void> HandleRetention(Call& call) {
  if (call.path.size() != 1) co_return co_await NoSuchEndpoint(call);
  if (call.method() != "POST") co_return co_await MethodNotAllowed(call);
#ifdef CANGKU_FEATURE_RETENTION
  if (call.ctx.maintenance.retention) co_return co_await RunRetention(call);
#endif
  co_await NotBuiltIn(call, "retention");
}

}  // namespace cangku::api::admin
