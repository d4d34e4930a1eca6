#include "server/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <vector>

#include "common/cron.h"

extern char** environ;

namespace cangku::server {
namespace {

struct Key {
  std::string section;
  std::string name;
  std::string help;
  // Sets the field from text; returns an error message or "".
  std::function<std::string(Config&, const std::string&)> set;
};

std::string SetInt(int64_t* out, const std::string& v, int64_t min, int64_t max) {
  int64_t x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || end != v.data() + v.size()) return "not an integer";
  if (x < min || x > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  }
  *out = x;
  return "";
}

template <typename T>
std::function<std::string(Config&, const std::string&)> Int(T Config::*field, int64_t min,
                                                            int64_t max) {
  return [field, min, max](Config& c, const std::string& v) {
    int64_t x = 0;
    std::string err = SetInt(&x, v, min, max);
    if (err.empty()) c.*field = static_cast<T>(x);
    return err;
  };
}

std::function<std::string(Config&, const std::string&)> Str(std::string Config::*field) {
  return [field](Config& c, const std::string& v) {
    if (v.empty()) return std::string("must not be empty");
    c.*field = v;
    return std::string();
  };
}

// A cron expression, checked when read.
std::function<std::string(Config&, const std::string&)> Cron(std::string Config::*field) {
  return [field](Config& c, const std::string& v) {
    StatusOr<CronSchedule> schedule = CronSchedule::Parse(v);
    if (!schedule.ok()) return schedule.status().message();
    c.*field = v;
    return std::string();
  };
}

std::string SetBool(bool* out, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    *out = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    *out = false;
  } else {
    return "not a boolean";
  }
  return "";
}

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      {"http", "addr", "listen address host:port",
       [](Config& c, const std::string& v) {
         size_t colon = v.rfind(':');
         if (colon == std::string::npos || colon == 0) return std::string("expected host:port");
         int64_t port = 0;
         std::string err = SetInt(&port, v.substr(colon + 1), 0, 65535);
         if (!err.empty()) return "port " + err;
         c.addr = v;
         return std::string();
       }},
      {"http", "io_threads", "I/O threads, one io_context each (0: one per core)",
       Int(&Config::io_threads, 0, 256)},
      {"http", "idle_timeout", "seconds an idle keep-alive connection is kept",
       Int(&Config::idle_timeout_s, 1, 86400)},
      {"http", "io_timeout", "seconds a body read or write may make no progress",
       Int(&Config::io_timeout_s, 1, 86400)},
      {"http", "drain_timeout", "seconds SIGTERM waits for in-flight requests",
       Int(&Config::drain_timeout_s, 0, 86400)},
      {"http", "max_connections", "open connections at most",
       Int(&Config::max_connections, 1, 1000000)},
      {"http", "allow_insecure", "serve plain HTTP on an address other than loopback (true/false)",
       [](Config& c, const std::string& v) { return SetBool(&c.allow_insecure, v); }},
      {"tls", "cert", "PEM certificate chain, leaf first; with tls.key, serve HTTPS",
       Str(&Config::tls_cert)},
      {"tls", "key", "PEM private key of tls.cert (unencrypted)", Str(&Config::tls_key)},
      {"tls", "client_ca", "PEM CA certificates client certificates must verify against (mTLS)",
       Str(&Config::tls_client_ca)},
      {"storage", "data_dir", "directory of blobs, uploads and the SQLite database",
       Str(&Config::data_dir)},
      {"metadata", "url",
       "sqlite:///path/metadata.db or postgresql://... (default: SQLite in data_dir)",
       Str(&Config::metadata_url)},
      {"metadata", "pool_size",
       "database connections, each opened when first needed (0: one per worker thread)",
       Int(&Config::metadata_pool_size, 0, 256)},
      {"limits", "max_manifest_bytes", "largest manifest accepted (413 above)",
       Int(&Config::max_manifest_bytes, 1024, int64_t{64} << 20)},
      {"limits", "max_page_size", "cap on n for tags/list and _catalog",
       Int(&Config::max_page_size, 1, 100000)},
      {"limits", "manifest_cache_entries", "manifests kept in memory (0: no cache)",
       Int(&Config::manifest_cache_entries, 0, 10000000)},
      {"uploads", "expiry", "seconds before an abandoned upload session is removed",
       Int(&Config::upload_expiry_s, 2, 365 * 86400)},
      {"workers", "threads",
       "threads for blocking work: database, fsync (0: two per core, at least 4)",
       Int(&Config::worker_threads, 0, 1024)},
      {"log", "level", "trace, debug, info, warn or error",
       [](Config& c, const std::string& v) {
         if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error") {
           return std::string("expected trace, debug, info, warn or error");
         }
         c.log_level = v;
         return std::string();
       }},
      {"log", "format", "text or json",
       [](Config& c, const std::string& v) {
         if (v == "text") {
           c.log_format = LogFormat::kText;
         } else if (v == "json") {
           c.log_format = LogFormat::kJson;
         } else {
           return std::string("expected text or json");
         }
         return std::string();
       }},
      {"log", "access_log", "one line per request (true/false)",
       [](Config& c, const std::string& v) { return SetBool(&c.access_log, v); }},
      {"auth", "enabled",
       "require authentication and project permissions (false: an open registry)",
       [](Config& c, const std::string& v) { return SetBool(&c.auth_enabled, v); }},
      {"auth", "token_realm", "token endpoint URL in challenges (default: from the Host header)",
       Str(&Config::token_realm)},
      {"auth", "token_service", "service name of the tokens (their audience)",
       Str(&Config::token_service)},
      {"auth", "token_issuer", "issuer name of the tokens", Str(&Config::token_issuer)},
      {"auth", "token_expiry", "lifetime of access tokens (seconds)",
       Int(&Config::token_expiry_s, 30, 86400)},
      {"auth", "auto_create_projects",
       "a user's push to a missing project creates it (false: NAME_UNKNOWN)",
       [](Config& c, const std::string& v) { return SetBool(&c.auto_create_projects, v); }},
      {"auth", "bcrypt_cost", "bcrypt cost of new password hashes",
       Int(&Config::bcrypt_cost, 4, 16)},
      {"auth", "max_failed_logins_per_user", "failed logins before a user name is locked out",
       Int(&Config::max_failed_logins_per_user, 1, 1000)},
      {"auth", "max_failed_logins_per_address",
       "failed logins before a client address is locked out",
       Int(&Config::max_failed_logins_per_address, 1, 100000)},
      {"auth", "login_lockout", "first lockout (seconds); doubles while failures go on",
       Int(&Config::login_lockout_s, 1, 86400)},
      {"audit", "pulls", "audit every manifest pull (true/false)",
       [](Config& c, const std::string& v) { return SetBool(&c.audit_pulls, v); }},
      {"gc", "schedule", "cron expression (UTC) of garbage collection runs inside serve",
       Cron(&Config::gc_schedule)},
      {"gc", "grace", "scheduled gc spares what is younger than this (seconds)",
       Int(&Config::gc_grace_s, 0, 365 * 86400)},
      {"gc", "delete_untagged", "scheduled gc also deletes untagged manifests (true/false)",
       [](Config& c, const std::string& v) { return SetBool(&c.gc_delete_untagged, v); }},
      {"retention", "schedule", "cron expression (UTC) of retention runs inside serve",
       Cron(&Config::retention_schedule)},
      {"retention", "grace", "scheduled retention spares untagged manifests younger than this",
       Int(&Config::retention_grace_s, 0, 365 * 86400)},
  };
  return keys;
}

const Key* FindKey(const std::string& section, const std::string& name) {
  for (const Key& k : Keys()) {
    if (k.section == section && k.name == name) return &k;
  }
  return nullptr;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Status ApplyFile(Config& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read config file " + path);
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return OkStatus();
  auto where = [&](const YAML::Node& n) { return path + ":" + std::to_string(n.Mark().line + 1); };
  if (!root.IsMap()) return InvalidArgumentError(where(root) + ": expected a mapping of sections");
  for (const auto& section : root) {
    std::string sname = section.first.as<std::string>();
    if (!section.second.IsMap()) {
      return InvalidArgumentError(where(section.first) + ": section '" + sname +
                                  "' must be a mapping");
    }
    for (const auto& entry : section.second) {
      std::string kname = entry.first.as<std::string>();
      const Key* key = FindKey(sname, kname);
      if (!key) {
        return InvalidArgumentError(where(entry.first) + ": unknown key '" + sname + "." + kname +
                                    "'");
      }
      if (!entry.second.IsScalar()) {
        return InvalidArgumentError(where(entry.second) + ": " + sname + "." + kname +
                                    " must be a scalar");
      }
      std::string value = entry.second.as<std::string>();
      if (std::string err = key->set(config, value); !err.empty()) {
        return InvalidArgumentError(where(entry.second) + ": " + sname + "." + kname + " = '" +
                                    value + "': " + err);
      }
    }
  }
  return OkStatus();
}

// True for 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: addresses no other host reaches.
bool IsLoopbackHost(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (strcasecmp(host.c_str(), "localhost") == 0) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
  return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

// The rules between keys, once every source has been applied.
Status CheckTls(const Config& c) {
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return InvalidArgumentError(c.tls_cert.empty() ? "tls.key is set without tls.cert"
                                                   : "tls.cert is set without tls.key");
  }
  if (!c.tls_client_ca.empty() && c.tls_cert.empty()) {
    return InvalidArgumentError(
        "tls.client_ca is set without tls.cert and tls.key: client certificates need HTTPS");
  }
  std::string host = c.addr.substr(0, c.addr.rfind(':'));
  if (c.tls_cert.empty() && !c.allow_insecure && !IsLoopbackHost(host)) {
    return InvalidArgumentError(
        "http.addr " + c.addr +
        " is not a loopback address: refusing plain HTTP there; set tls.cert and tls.key to "
        "serve HTTPS, or http.allow_insecure: true to serve plain HTTP anyway");
  }
  return OkStatus();
}

}  // namespace

const std::map<std::string, std::string>& ConfigKeys() {
  static const std::map<std::string, std::string> keys = [] {
    std::map<std::string, std::string> m;
    for (const Key& k : Keys()) m[k.section + "." + k.name] = k.help;
    return m;
  }();
  return keys;
}

StatusOr<Config> LoadConfig(const std::string& path,
                            const std::map<std::string, std::string>& env) {
  Config config;
  if (!path.empty()) RETURN_IF_ERROR(ApplyFile(config, path));
  for (const Key& k : Keys()) {
    std::string var = "CANGKU_" + Upper(k.section) + "_" + Upper(k.name);
    auto it = env.find(var);
    if (it == env.end()) continue;
    if (std::string err = k.set(config, it->second); !err.empty()) {
      return InvalidArgumentError("environment " + var + " = '" + it->second + "': " + err);
    }
  }
  // Only from the environment: a password does not belong in a configuration file.
  if (auto it = env.find("CANGKU_ADMIN_PASSWORD"); it != env.end()) {
    config.admin_password = it->second;
  }
  RETURN_IF_ERROR(CheckTls(config));
  return config;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

}  // namespace cangku::server
