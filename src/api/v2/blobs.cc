#include "api/v2/handlers.h"
#include "http/range.h"

namespace cangku::api::v2 {
namespace {

http::Task<void> SendContent(http::Response& resp, int status, registry::BlobContent& content,
                             uint64_t offset, uint64_t length) {
  if (!content.reader) {
    (co_await resp.Send(status, content.inline_content.substr(offset, length))).IgnoreError();
  } else if (int fd = content.reader->NativeHandle(); fd >= 0) {
    (co_await resp.SendFile(status, fd, offset, length)).IgnoreError();
  } else {
    auto* reader = content.reader.get();
    (co_await resp.SendStream(status, offset, length, [reader](uint64_t off, std::span<char> buf) {
      return reader->ReadAt(off, buf);
    })).IgnoreError();
  }
}

http::Task<void> GetBlob(Context& ctx, const std::string& name, const oci::Digest& digest,
                         http::Request& req, http::Response& resp) {
  StatusOr<registry::BlobContent> content =
      co_await ctx.pool.Run([&] { return ctx.registry.OpenBlob(name, digest); });
  if (!content.ok()) {
    if (content.status().code() == StatusCode::kNotFound) {
      co_await SendError(resp, ErrorCode::kBlobUnknown, "blob " + digest.str() + " unknown");
    } else {
      co_await SendUnexpected(ctx, resp, content.status());
    }
    co_return;
  }
  uint64_t size = content->size;
  resp.SetHeader("Docker-Content-Digest", digest.str());
  resp.SetHeader("ETag", "\"" + digest.str() + "\"");
  resp.SetHeader("Accept-Ranges", "bytes");
  resp.SetHeader("Cache-Control", "max-age=31536000");
  auto range_header = req.header("Range");
  if (!range_header || req.method() == "HEAD") {
    resp.SetHeader("Content-Type", "application/octet-stream");
    co_await SendContent(resp, 200, *content, 0, size);
    co_return;
  }
  StatusOr<http::ByteRange> range = http::ParseRange(*range_header, size);
  if (!range.ok() && range.status().code() == StatusCode::kOutOfRange) {
    resp.SetHeader("Content-Range", "bytes */" + std::to_string(size));
    co_await SendError(resp, ErrorCode::kRangeInvalid, range.status().message());
    co_return;
  }
  resp.SetHeader("Content-Type", "application/octet-stream");
  if (!range.ok()) {  // not a range we understand: the whole blob, as RFC 9110 allows
    co_await SendContent(resp, 200, *content, 0, size);
    co_return;
  }
  resp.SetHeader("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                      std::to_string(range->last) + "/" + std::to_string(size));
  co_await SendContent(resp, 206, *content, range->first, range->length());
}

}  // namespace

http::Task<void> HandleBlob(Context& ctx, const std::string& name, const std::string& arg,
                            http::Request& req, http::Response& resp) {
  std::string_view method = req.method();
  if (method != "GET" && method != "HEAD" && method != "DELETE") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  auto digest = co_await DigestOrError(resp, arg);
  if (!digest) co_return;
  if (method != "DELETE") {
    co_await GetBlob(ctx, name, *digest, req, resp);
    co_return;
  }
  Status s = co_await ctx.pool.Run([&] { return ctx.registry.DeleteBlob(name, *digest); });
  if (s.code() == StatusCode::kNotFound) {
    co_await SendError(resp, ErrorCode::kBlobUnknown, "blob " + digest->str() + " unknown");
  } else if (!s.ok()) {
    co_await SendUnexpected(ctx, resp, s);
  } else {
    resp.SetHeader("Docker-Content-Digest", digest->str());
    (co_await resp.Send(202, "")).IgnoreError();
  }
}

}  // namespace cangku::api::v2
