#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "server/config.h"

namespace cangku::server {

// One admin API request (docs/api.md, /api/v1) as the CLI makes it.
struct AdminRequest {
  std::string method;
  std::string target;  // "/api/v1/users?n=10": path (segments percent-encoded) and query
  std::string body;    // JSON, or the htpasswd text of POST /api/v1/users/import
  std::string content_type = "application/json";
};

// The answer: status and body (a JSON document, or empty for 204).
struct AdminAnswer {
  int status = 0;
  std::string body;
};

// The admin API over a data directory, in this process: opens the metadata store `config` names
// and the admin services over it, and answers requests with the same handlers the server runs,
// through an in-memory request and response on a private event loop, as a system admin (audited
// as actor "system" from address "local"). May run while a server serves the same data (the
// server sees a change within its caches' lifetime, 10 seconds). Not thread-safe.
class LocalAdmin {
 public:
  // Errors: kNotFound (no data directory), the store's.
  static StatusOr<std::unique_ptr<LocalAdmin>> Open(const Config& config);
  // Writes the audit events of the requests made.
  ~LocalAdmin();
  LocalAdmin(const LocalAdmin&) = delete;
  LocalAdmin& operator=(const LocalAdmin&) = delete;

  AdminAnswer Exchange(const AdminRequest& request);

 private:
  struct Parts;
  explicit LocalAdmin(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// The admin API of the registry at `server_url` ("http://127.0.0.1:5000"; https verifies the
// server's certificate against the system's CAs), over HTTP with libcurl (loaded on first use),
// with Basic credentials when `username` is not empty. Errors: kUnavailable when no answer came
// (connection refused, TLS failure, timeout, libcurl not installed) -- an answer with an error
// status is an answer.
StatusOr<AdminAnswer> RemoteExchange(const std::string& server_url, const std::string& username,
                                     const std::string& password, const AdminRequest& request);

}  // namespace cangku::server
