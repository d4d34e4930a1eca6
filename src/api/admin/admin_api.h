#pragma once

#include "auth/access_control.h"
#include "auth/admin/project_admin.h"
#include "auth/admin/robot_admin.h"
#include "auth/admin/user_admin.h"
#include "auth/principal.h"
#include "common/log.h"
#include "http/exchange.h"
#include "http/worker_pool.h"
#include "metadata/audit_store.h"
#include "metadata/policy_store.h"

namespace cangku::api::admin {

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
};

// Answers a request below /api/v1/ (the JSON admin API, docs/api.md) for `principal`, whom the
// caller authenticated from the request's Authorization header (anonymous if none). Errors are
// OCI-style error bodies ({"errors":[{"code","message"}]}); an anonymous caller refused gets 401
// with `WWW-Authenticate: Basic realm="cangku"`.
http::Task<void> HandleAdmin(AdminApiContext& ctx, const auth::Principal& principal,
                             http::Request& request, http::Response& response);

}  // namespace cangku::api::admin
