#include "server/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <vector>

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
      {"storage", "data_dir", "directory of blobs, uploads and the SQLite database",
       Str(&Config::data_dir)},
      {"metadata", "url",
       "sqlite:///path/metadata.db or postgresql://... (default: SQLite in data_dir)",
       Str(&Config::metadata_url)},
      {"metadata", "pool_size", "database connections", Int(&Config::metadata_pool_size, 1, 256)},
      {"limits", "max_manifest_bytes", "largest manifest accepted (413 above)",
       Int(&Config::max_manifest_bytes, 1024, int64_t{64} << 20)},
      {"limits", "max_page_size", "cap on n for tags/list and _catalog",
       Int(&Config::max_page_size, 1, 100000)},
      {"limits", "manifest_cache_entries", "manifests kept in memory (0: no cache)",
       Int(&Config::manifest_cache_entries, 0, 10000000)},
      {"uploads", "expiry", "seconds before an abandoned upload session is removed",
       Int(&Config::upload_expiry_s, 60, 365 * 86400)},
      {"workers", "threads", "threads for blocking work (database, fsync)",
       Int(&Config::worker_threads, 1, 1024)},
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
