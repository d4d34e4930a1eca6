#pragma once

#include <memory>

#include "common/status.h"
#include "server/config.h"

namespace cangku::server {

// The wiring: the one place that names the concrete blob store and metadata store, and owns
// the I/O contexts and the worker pool.
class CangkuServer {
 public:
  // Opens the stores (creating the data directory), cleans what a crash left behind, and binds
  // the listening sockets. Errors: whatever the stores or the bind report.
  static StatusOr<std::unique_ptr<CangkuServer>> Create(const Config& config);
  ~CangkuServer();

  // Serves until SIGTERM/SIGINT, then drains in-flight requests and returns.
  Status Run();

 private:
  struct Parts;
  explicit CangkuServer(std::unique_ptr<Parts> parts);
  // Writes what the request path noted in memory: manifest pulls and audit events.
  static void FlushRecords(Parts& p);
  // Removes upload sessions older than uploads.expiry that no request is using.
  static void ExpireUploads(Parts& p);
  std::unique_ptr<Parts> parts_;
};

}  // namespace cangku::server
