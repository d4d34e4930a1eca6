#pragma once

#include <functional>

#include "auth/access_control.h"
#include "auth/admin/admin_context.h"
#include "auth/admin/project_admin.h"
#include "auth/admin/robot_admin.h"
#include "auth/admin/user_admin.h"
#include "auth/principal.h"
#include "common/log.h"
#include "http/exchange.h"
#include "http/worker_pool.h"
#include "metadata/audit_store.h"
#include "metadata/policy_store.h"

namespace cangku::gc {
struct GcOptions;
struct GcReport;
}  // namespace cangku::gc
namespace cangku::retention {
struct RetentionOptions;
struct RetentionReport;
}  // namespace cangku::retention

namespace cangku::api::admin {

// Garbage collection and retention, run by the server (which knows the stores): each run is
// audited as `actor` (unless a dry run) and the server forgets the cached manifests of what it
// removed. Blocking: call on the worker pool. Thread-safe. Empty when the feature is not built
// in. Errors: gc kAborted while another collection runs; the stores'.
struct MaintenanceHooks {
  std::function<StatusOr<gc::GcReport>(const gc::GcOptions&, const auth::admin::Actor&)> gc;
  std::function<StatusOr<retention::RetentionReport>(const retention::RetentionOptions&,
                                                     const auth::admin::Actor&)>
      retention;
};

// What the /api/v1 handlers work with. Shared by all requests; thread-safe.
struct AdminApiContext {
  auth::admin::UserAdmin& users;
  auth::admin::ProjectAdmin& projects;
  auth::admin::RobotAdmin& robots;
  auth::AccessControl& access;
  metadata::AuditStore& audit;
  metadata::PolicyStore& policies;
  http::WorkerPool& pool;
  Logger& logger;
  MaintenanceHooks maintenance;  // empty hooks where the server offers none
};

// Answers a request below /api/v1/ (the JSON admin API, docs/api.md) for `principal`, whom the
// caller authenticated from the request's Authorization header (anonymous if none). Errors are
// OCI-style error bodies ({"errors":[{"code","message"}]}); an anonymous caller refused gets 401
// with `WWW-Authenticate: Basic realm="cangku"`.
http::Task<void> HandleAdmin(AdminApiContext& ctx, const auth::Principal& principal,
                             http::Request& request, http::Response& response);

}  // namespace cangku::api::admin
