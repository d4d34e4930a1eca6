#include "server/auth_parts.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

namespace cangku::server {
namespace {

// Whether any repository's name is `project` or starts with "<project>/".
StatusOr<bool> HasRepositories(metadata::SqlMetadataStore& store, std::string_view project) {
  std::string name(project);
  StatusOr<std::vector<std::string>> tags = store.ListTags(name, {.last = "", .limit = 1});
  if (tags.ok()) return true;
  if (tags.status().code() != StatusCode::kNotFound) return tags.status();
  // '/' sorts before every character a name may continue with, so the first name after
  // "<project>/" is in the project if any is.
  ASSIGN_OR_RETURN(std::vector<std::string> below,
                   store.ListRepositories({.last = name + "/", .limit = 1}));
  return !below.empty() && below.front().starts_with(name + "/");
}

Status WriteSecretFile(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot create " + path);
  std::string line = content + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  return ok ? OkStatus() : InternalError("cannot write " + path);
}

}  // namespace

StatusOr<std::unique_ptr<AuthParts>> AuthParts::Create(const Config& config,
                                                       const std::string& data_dir,
                                                       metadata::SqlMetadataStore& store,
                                                       const Clock& clock, Random& random) {
  auto p = std::make_unique<AuthParts>();
  p->store = &store;
  ASSIGN_OR_RETURN(p->signer, auth::TokenSigner::LoadOrCreate(data_dir + "/token.key"));
  auth::ThrottleOptions throttle;
  throttle.max_failures_per_user = config.max_failed_logins_per_user;
  throttle.max_failures_per_address = config.max_failed_logins_per_address;
  throttle.lockout = std::chrono::seconds(config.login_lockout_s);
  p->throttle = std::make_unique<auth::LoginThrottle>(throttle);
  p->audit = std::make_unique<auth::AuditLog>(store, clock);
  p->access = std::make_unique<auth::AccessControl>(store, clock, config.auto_create_projects);
  auth::AuthenticatorOptions options;
  options.issuer = config.token_issuer;
  options.service = config.token_service;
  p->authenticator = std::make_unique<auth::Authenticator>(store, *p->signer, *p->throttle,
                                                           *p->audit, clock, options);
  auth::TokenOptions token_options;
  token_options.expiry = std::chrono::seconds(config.token_expiry_s);
  p->tokens = std::make_unique<auth::TokenIssuer>(*p->signer, *p->access, *p->authenticator, clock,
                                                  random, token_options);
  p->admin = std::make_unique<auth::admin::AdminContext>(auth::admin::AdminContext{
      store, *p->access, *p->authenticator, *p->audit, clock, random, config.bcrypt_cost});
  p->users = std::make_unique<auth::admin::UserAdmin>(*p->admin);
  p->projects = std::make_unique<auth::admin::ProjectAdmin>(
      *p->admin, [&store](std::string_view project) { return HasRepositories(store, project); });
  p->robots = std::make_unique<auth::admin::RobotAdmin>(*p->admin);
  return p;
}

Status AuthParts::Bootstrap(const Config& config, const std::string& data_dir, Logger& logger) {
  ASSIGN_OR_RETURN(std::optional<std::string> generated, users->Bootstrap(config.admin_password));
  if (!generated) return OkStatus();
  if (generated->empty()) {
    logger.info("created the system admin 'admin' with the password from CANGKU_ADMIN_PASSWORD");
    return OkStatus();
  }
  std::string path = data_dir + "/initial-admin-password";
  RETURN_IF_ERROR(WriteSecretFile(path, *generated));
  logger.warn("created the system admin 'admin' with password {} (also in {}); change it",
              *generated, path);
  return OkStatus();
}

api::AuthContext AuthParts::AuthContext(const Config& config) {
  return api::AuthContext{
      *authenticator,           *access,           *tokens, *audit, *projects, config.token_realm,
      !config.tls_cert.empty(), config.audit_pulls};
}

api::admin::AdminApiContext AuthParts::AdminContext(http::WorkerPool& pool, Logger& logger,
                                                    api::admin::MaintenanceHooks maintenance) {
  return api::admin::AdminApiContext{
      *users, *projects, *robots, *access, *store, *store, pool, logger, std::move(maintenance)};
}

}  // namespace cangku::server
