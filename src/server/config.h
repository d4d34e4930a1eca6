#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/log.h"
#include "common/status.h"

namespace cangku::server {

// Everything `cangku serve` can be told, with the defaults of the embedded mode. Plain values:
// parsed and validated by LoadConfig, then immutable.
struct Config {
  // http
  std::string addr = "127.0.0.1:5000";
  int io_threads = 0;  // 0: one per core
  int idle_timeout_s = 60;
  int io_timeout_s = 60;
  int drain_timeout_s = 30;
  int max_connections = 10000;
  // Plain HTTP on an address other than loopback is refused unless this is set.
  bool allow_insecure = false;
  // tls: HTTPS when cert and key are set (PEM files); mutual TLS when client_ca is set too.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // storage
  std::string data_dir = "./data";
  // metadata
  std::string metadata_url;    // empty: sqlite://<data_dir>/metadata.db
  int metadata_pool_size = 0;  // 0: one per worker thread
  // limits
  int64_t max_manifest_bytes = 4 * 1024 * 1024;
  int max_page_size = 1000;
  int manifest_cache_entries = 100000;
  // uploads
  int upload_expiry_s = 24 * 3600;
  // workers
  int worker_threads = 0;  // 0: two per core, at least 4
  // log
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;
  bool access_log = true;
  // auth
  bool auth_enabled = true;
  std::string token_realm;  // empty: <scheme>://<Host header>/service/token
  std::string token_service = "cangku";
  std::string token_issuer = "cangku";
  int token_expiry_s = 300;
  bool auto_create_projects = true;
  int bcrypt_cost = 10;
  int max_failed_logins_per_user = 5;
  int max_failed_logins_per_address = 20;
  int login_lockout_s = 60;
  // audit
  bool audit_pulls = true;
  // gc, retention: scheduled runs inside `serve` (cron expressions, UTC; empty: none)
  std::string gc_schedule;
  int gc_grace_s = 3600;
  bool gc_delete_untagged = false;
  std::string retention_schedule;
  int retention_grace_s = 3600;
  // The first system admin's password (environment CANGKU_ADMIN_PASSWORD only); empty: random.
  std::string admin_password;
};

// The documented keys as "section.key" -> one-line description, in file order (for
// `cangku config keys` and the README).
const std::map<std::string, std::string>& ConfigKeys();

// Builds the configuration: defaults, then the YAML file at `path` (if not empty), then
// environment variables CANGKU_<SECTION>_<KEY> from `env` (e.g. CANGKU_HTTP_ADDR), then checks
// the keys against each other: tls.cert and tls.key come together, tls.client_ca needs them,
// and without them http.addr must be a loopback address unless http.allow_insecure is set.
// Errors: kInvalidArgument naming the bad key, its value and (for the file) its line, or the
// keys in conflict; kNotFound when the file does not exist.
StatusOr<Config> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env);

// The process environment as a map, for LoadConfig.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace cangku::server
