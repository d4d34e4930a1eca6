#pragma once

// A keep-alive HTTP/1.1 load generator over epoll: `connections` connections spread over
// `threads` threads, each with one request in flight at a time, walking a list of paths. Unlike
// wrk it frames HEAD responses correctly (Content-Length, no body). Closed loop by default (each
// connection sends its next request as soon as the last answer is in, like wrk); with a rate,
// paced (like wrk2): each connection sends on a fixed schedule, and latency counts from the
// scheduled time, so a server that falls behind is charged for the wait it causes.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "http_conn.h"

namespace cangku::bench {

struct LoadOptions {
  Endpoint endpoint;
  std::vector<std::string> paths;  // request targets, used round-robin
  std::string method = "GET";
  Headers headers;
  int connections = 64;
  int threads = 2;
  double duration_s = 10;  // measured
  double warmup_s = 0;     // run before the measurement, not recorded
  double rate = 0;         // requests/s over all connections; 0: closed loop
};

struct LoadResult {
  uint64_t requests = 0;  // completed responses in the measured window
  uint64_t errors = 0;    // transport errors and responses with status >= 400
  double seconds = 0;
  double rps = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
  uint64_t bytes = 0;  // response bytes, heads included
  std::map<int, uint64_t> statuses;
};

// Runs the load for warmup_s + duration_s and returns what the measured window saw.
// Returns false and sets *error if no connection can be made at all.
[[nodiscard]] bool RunLoad(const LoadOptions& options, LoadResult* result, std::string* error);

}  // namespace cangku::bench
