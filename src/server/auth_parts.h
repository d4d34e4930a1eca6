#pragma once

#include <memory>
#include <string>

#include "api/admin/admin_api.h"
#include "api/auth_gate.h"
#include "auth/access_control.h"
#include "auth/admin/admin_context.h"
#include "auth/admin/project_admin.h"
#include "auth/admin/robot_admin.h"
#include "auth/admin/user_admin.h"
#include "auth/audit_log.h"
#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "auth/token_issuer.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/random.h"
#include "http/worker_pool.h"
#include "metadata/sql_metadata_store.h"
#include "server/config.h"

namespace cangku::server {

// Authentication, authorization, tokens, the audit log and the admin services, built from the
// configuration over one metadata store. Owns them; references what it is given (which must
// outlive it).
struct AuthParts {
  // Builds the parts; the token signing key is loaded from (or created at) <data_dir>/token.key.
  // Errors: the signer's (bad key file).
  static StatusOr<std::unique_ptr<AuthParts>> Create(const Config& config,
                                                     const std::string& data_dir,
                                                     metadata::SqlMetadataStore& store,
                                                     const Clock& clock, Random& random);

  // First start: creates the system admin "admin" when no user exists, with config.admin_password
  // or a random password, which is logged once and written to <data_dir>/initial-admin-password
  // (mode 0600).
  Status Bootstrap(const Config& config, const std::string& data_dir, Logger& logger);

  // The contexts the HTTP handlers take (they reference the parts above); `maintenance` runs gc
  // and retention for the admin API.
  api::AuthContext AuthContext(const Config& config);
  api::admin::AdminApiContext AdminContext(http::WorkerPool& pool, Logger& logger,
                                           api::admin::MaintenanceHooks maintenance = {});

  std::unique_ptr<auth::TokenSigner> signer;
  std::unique_ptr<auth::LoginThrottle> throttle;
  std::unique_ptr<auth::AuditLog> audit;
  std::unique_ptr<auth::AccessControl> access;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<auth::TokenIssuer> tokens;
  std::unique_ptr<auth::admin::AdminContext> admin;
  std::unique_ptr<auth::admin::UserAdmin> users;
  std::unique_ptr<auth::admin::ProjectAdmin> projects;
  std::unique_ptr<auth::admin::RobotAdmin> robots;
  metadata::SqlMetadataStore* store = nullptr;
};

}  // namespace cangku::server
