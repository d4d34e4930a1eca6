#include "api/v2/context.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace cangku::api::v2 {

http::Task<void> SendError(http::Response& response, ErrorCode code, std::string_view message,
                           std::string_view detail_json) {
  co_await SendJson(response, HttpStatus(code), ErrorBody(code, message, detail_json));
}

http::Task<void> SendUnexpected(Context& ctx, http::Response& response, const Status& status) {
  ErrorCode code = UnexpectedErrorCode(status);
  if (HttpStatus(code) >= 500) ctx.logger.error("request failed: {}", status.ToString());
  co_await SendError(response, code, status.message());
}

http::Task<void> SendJson(http::Response& response, int status, std::string body,
                          std::string_view content_type) {
  response.SetHeader("Content-Type", content_type);
  (co_await response.Send(status, std::move(body))).IgnoreError();
}

http::Task<StatusOr<std::string>> ReadAll(http::Request& request, size_t limit) {
  auto declared = request.content_length();
  if (declared && *declared > limit) {
    co_return ResourceExhaustedError("body of " + std::to_string(*declared) +
                                     " bytes exceeds the limit of " + std::to_string(limit));
  }
  std::string body;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    StatusOr<size_t> n = co_await request.ReadBody(buf);
    if (!n.ok()) co_return n.status();
    if (*n == 0) break;
    if (body.size() + *n > limit) {
      co_return ResourceExhaustedError("body exceeds the limit of " + std::to_string(limit) +
                                       " bytes");
    }
    body.append(buf.data(), *n);
  }
  co_return body;
}

http::Task<Status> StreamBody(Context& ctx, http::Request& request, storage::Upload& upload) {
  // Two buffers: while the body pool writes and hashes one, the I/O thread reads the next. No
  // larger than the body.
  size_t want = ctx.body_buffers.buffer_size();
  if (auto length = request.content_length()) {
    want = static_cast<size_t>(std::clamp<uint64_t>(*length, 1, want));
  }
  http::BufferPool::Buffer filled = ctx.body_buffers.Get(want);
  http::BufferPool::Buffer reading = ctx.body_buffers.Get(want);
  size_t size = std::min(want, ctx.body_buffers.buffer_size());
  StatusOr<size_t> n = co_await request.ReadBody(std::span<char>(filled.get(), size));
  while (n.ok() && *n > 0) {
    Status appended;
    std::span<const char> data(filled.get(), *n);
    http::PoolJob job = ctx.body_pool.Start([&] { appended = upload.Append(data); });
    n = co_await request.ReadBody(std::span<char>(reading.get(), size));
    co_await job.Wait();
    if (!appended.ok()) co_return appended;
    std::swap(filled, reading);
  }
  co_return n.status();
}

http::Task<std::optional<oci::Digest>> DigestOrError(http::Response& response,
                                                     std::string_view text) {
  StatusOr<oci::Digest> digest = oci::Digest::Parse(text);
  if (digest.ok()) co_return *digest;
  co_await SendError(response, ErrorCode::kDigestInvalid, digest.status().message());
  co_return std::nullopt;
}

std::string BlobLocation(const std::string& name, const oci::Digest& digest) {
  return "/v2/" + name + "/blobs/" + digest.str();
}

std::string UploadLocation(const std::string& name, const std::string& id) {
  return "/v2/" + name + "/blobs/uploads/" + id;
}

std::string UploadRange(uint64_t size) { return "0-" + std::to_string(size == 0 ? 0 : size - 1); }

}  // namespace cangku::api::v2
