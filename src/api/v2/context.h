#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/errors.h"
#include "common/log.h"
#include "http/buffer_pool.h"
#include "http/exchange.h"
#include "http/worker_pool.h"
#include "oci/digest.h"
#include "registry/registry.h"
#include "storage/blob_store.h"

namespace cangku::api::v2 {

// Whether the caller may see a repository in the catalog (blocking); null: every repository.
using CatalogFilter = std::function<StatusOr<bool>(const std::string& repository)>;

// What every /v2/ handler works with. Shared by all requests; thread-safe.
struct Context {
  registry::Registry& registry;
  http::WorkerPool& pool;
  // Writes and hashes upload bodies: apart from `pool`, so that body bytes never queue behind
  // database work and fsyncs.
  http::WorkerPool& body_pool;
  // The buffers upload bodies are read into.
  http::BufferPool& body_buffers;
  Logger& logger;
};

// Sends an OCI error body with the code's HTTP status.
http::Task<void> SendError(http::Response& response, ErrorCode code, std::string_view message,
                           std::string_view detail_json = "");
// Sends the error for a status no handler expected (and logs it when it is a server fault).
http::Task<void> SendUnexpected(Context& ctx, http::Response& response, const Status& status);
// Sends a JSON body.
http::Task<void> SendJson(http::Response& response, int status, std::string body,
                          std::string_view content_type = "application/json");

// Reads the whole body, refusing more than `limit` bytes (kResourceExhausted).
http::Task<StatusOr<std::string>> ReadAll(http::Request& request, size_t limit);
// Streams the body into `upload`, appending on the body pool (writing and hashing a buffer
// there while the next is read). Errors: kAborted / kDeadlineExceeded (client), or the
// upload's error.
http::Task<Status> StreamBody(Context& ctx, http::Request& request, storage::Upload& upload);

// Parses a digest from a query value or path; sends DIGEST_INVALID and returns nullopt if bad.
http::Task<std::optional<oci::Digest>> DigestOrError(http::Response& response,
                                                     std::string_view text);

// "/v2/<name>/blobs/<digest>" and friends.
std::string BlobLocation(const std::string& name, const oci::Digest& digest);
std::string UploadLocation(const std::string& name, const std::string& id);
// The Range header value of an upload holding `size` bytes ("0-<size-1>", "0-0" when empty).
std::string UploadRange(uint64_t size);

}  // namespace cangku::api::v2
