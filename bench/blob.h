#pragma once

// Blob transfer drivers: push one file as a blob (monolithic PUT or PATCH chunks), pull a blob
// over N parallel streams, and the loopback ceiling (raw TCP sendfile, no HTTP, no registry).

#include <cstdint>
#include <string>

#include "http_conn.h"

namespace cangku::bench {

struct TransferResult {
  uint64_t bytes = 0;
  double seconds = 0;
  double mb_s = 0;  // 10^6 bytes per second
  uint64_t errors = 0;
  uint64_t requests = 0;
  std::string error;  // the first error, if any
};

struct PushOptions {
  Endpoint endpoint;
  std::string repo;
  std::string file;
  std::string digest;        // "sha256:<hex>" of the file, computed beforehand
  uint64_t chunk_bytes = 0;  // 0: monolithic PUT; else PATCH chunks of this size, then PUT
};

// POST an upload, send the file, PUT ?digest=. Timed from the POST to the 201.
[[nodiscard]] bool PushBlob(const PushOptions& options, TransferResult* result);

struct PullOptions {
  Endpoint endpoint;
  std::string repo;
  std::string digest;
  int streams = 1;      // concurrent GETs of the whole blob, one connection each
  bool verify = false;  // hash what each stream receives and compare with the digest
};

// GETs the blob on `streams` connections at once; bytes and MB/s are the sum over streams.
// With verify, a stream whose bytes do not hash to the digest counts as an error.
[[nodiscard]] bool PullBlob(const PullOptions& options, TransferResult* result);

// Sends `file` over `streams` loopback TCP connections with sendfile(2) and reads it back the
// way PullBlob does: the most a registry on this machine could serve over one socket.
[[nodiscard]] bool Loopback(const std::string& file, int streams, TransferResult* result);

}  // namespace cangku::bench
