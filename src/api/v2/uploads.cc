#include "api/v2/handlers.h"
#include "http/range.h"
#include "oci/reference.h"

namespace cangku::api::v2 {
namespace {

using registry::UploadLease;

http::Task<void> SendBlobCreated(http::Response& resp, const std::string& name,
                                 const oci::Digest& digest) {
  resp.SetHeader("Location", BlobLocation(name, digest));
  resp.SetHeader("Docker-Content-Digest", digest.str());
  (co_await resp.Send(201, "")).IgnoreError();
}

void SetSessionHeaders(http::Response& resp, const std::string& name, const std::string& id,
                       uint64_t size) {
  resp.SetHeader("Location", UploadLocation(name, id));
  resp.SetHeader("Docker-Upload-UUID", id);
  resp.SetHeader("Range", UploadRange(size));
}

// Sends the error for a failed upload write or commit.
http::Task<void> SendUploadFailure(Context& ctx, http::Response& resp, const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      co_await SendError(resp, ErrorCode::kDigestInvalid, s.message());
      break;
    case StatusCode::kAborted:
    case StatusCode::kDeadlineExceeded:
      co_await SendError(resp, ErrorCode::kBlobUploadInvalid, s.message());
      break;
    default:
      co_await SendUnexpected(ctx, resp, s);
  }
}

// Why a chunk's Content-Range does not continue an upload holding `size` bytes exactly, or ""
// when it does (or has no Content-Range).
std::string ChunkProblem(const http::Request& req, uint64_t size) {
  auto header = req.header("Content-Range");
  if (!header) return "";
  StatusOr<http::ByteRange> range = http::ParseContentRange(*header);
  if (!range.ok()) return range.status().message();
  if (range->first != size) {
    return "chunk starts at " + std::to_string(range->first) + " but the upload holds " +
           std::to_string(size) + " bytes";
  }
  if (auto len = req.content_length(); len && *len != range->length()) {
    return "Content-Length does not match Content-Range";
  }
  return "";
}

// Answers 416 with the session's current Range.
http::Task<void> SendChunkRefused(http::Response& resp, const std::string& name,
                                  const std::string& id, uint64_t size,
                                  const std::string& problem) {
  SetSessionHeaders(resp, name, id, size);
  co_await SendError(resp, ErrorCode::kRangeInvalid, problem);
}

http::Task<void> Monolithic(Context& ctx, const std::string& name, const oci::Digest& digest,
                            http::Request& req, http::Response& resp) {
  StatusOr<UploadLease> lease =
      co_await ctx.pool.Run([&] { return ctx.registry.uploads().StartEphemeral(name); });
  if (!lease.ok()) {
    co_await SendUnexpected(ctx, resp, lease.status());
    co_return;
  }
  Status s = co_await StreamBody(ctx, req, *(*lease)->upload);
  if (s.ok()) {
    s = co_await ctx.pool.Run([&] { return ctx.registry.FinishUpload(std::move(*lease), digest); });
  }
  if (!s.ok()) {
    co_await SendUploadFailure(ctx, resp, s);
    co_return;
  }
  co_await SendBlobCreated(resp, name, digest);
}

http::Task<void> Mount(Context& ctx, const std::string& name, http::Request& req,
                       http::Response& resp, bool* done) {
  *done = true;
  auto digest = co_await DigestOrError(resp, *req.query("mount"));
  if (!digest) co_return;
  std::string from = req.query("from").value_or("");
  if (!from.empty()) {
    if (Status s = oci::ValidateRepositoryName(from); !s.ok()) {
      co_await SendError(resp, ErrorCode::kNameInvalid, "from: " + s.message());
      co_return;
    }
  }
  StatusOr<bool> mounted =
      co_await ctx.pool.Run([&] { return ctx.registry.Mount(name, *digest, from); });
  if (!mounted.ok()) {
    co_await SendUnexpected(ctx, resp, mounted.status());
  } else if (*mounted) {
    co_await SendBlobCreated(resp, name, *digest);
  } else {
    *done = false;  // not mountable: open a session instead, as the spec says
  }
}

}  // namespace

http::Task<void> HandleUploadStart(Context& ctx, const std::string& name, bool may_mount,
                                   http::Request& req, http::Response& resp) {
  if (req.method() != "POST") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  if (req.query("mount")) {
    bool done = false;
    if (may_mount) co_await Mount(ctx, name, req, resp, &done);
    if (done) co_return;
  } else if (auto digest_text = req.query("digest")) {
    auto digest = co_await DigestOrError(resp, *digest_text);
    if (digest) co_await Monolithic(ctx, name, *digest, req, resp);
    co_return;
  }
  StatusOr<std::string> id =
      co_await ctx.pool.Run([&] { return ctx.registry.uploads().Start(name); });
  if (!id.ok()) {
    co_await SendUnexpected(ctx, resp, id.status());
    co_return;
  }
  SetSessionHeaders(resp, name, *id, 0);
  (co_await resp.Send(202, "")).IgnoreError();
}

namespace {

// Every path below gives the session back (lease.Reset) before answering: the client may send
// its next request on another connection as soon as it has the answer.
http::Task<void> Close(Context& ctx, const std::string& name, UploadLease lease, http::Request& req,
                       http::Response& resp) {
  std::string id = lease->id;
  uint64_t size = lease->upload->size();
  auto digest_text = req.query("digest");
  StatusOr<oci::Digest> digest =
      digest_text ? oci::Digest::Parse(*digest_text)
                  : StatusOr<oci::Digest>(InvalidArgumentError("the digest parameter is required"));
  if (!digest.ok()) {
    lease.Reset();
    co_await SendError(resp, ErrorCode::kDigestInvalid, digest.status().message());
    co_return;
  }
  if (std::string problem = ChunkProblem(req, size); !problem.empty()) {
    lease.Reset();
    co_await SendChunkRefused(resp, name, id, size, problem);
    co_return;
  }
  Status s = co_await StreamBody(ctx, req, *lease->upload);
  if (s.ok()) {
    s = co_await ctx.pool.Run([&] { return ctx.registry.FinishUpload(std::move(lease), *digest); });
  }
  lease.Reset();
  if (!s.ok()) {
    co_await SendUploadFailure(ctx, resp, s);
    co_return;
  }
  co_await SendBlobCreated(resp, name, *digest);
}

http::Task<void> Patch(Context& ctx, const std::string& name, UploadLease lease, http::Request& req,
                       http::Response& resp) {
  std::string id = lease->id;
  if (std::string problem = ChunkProblem(req, lease->upload->size()); !problem.empty()) {
    uint64_t size = lease->upload->size();
    lease.Reset();
    co_await SendChunkRefused(resp, name, id, size, problem);
    co_return;
  }
  Status s = co_await StreamBody(ctx, req, *lease->upload);
  uint64_t size = lease->upload->size();
  lease.Reset();
  if (!s.ok()) {
    co_await SendUploadFailure(ctx, resp, s);
    co_return;
  }
  SetSessionHeaders(resp, name, id, size);
  (co_await resp.Send(202, "")).IgnoreError();
}

}  // namespace

http::Task<void> HandleUpload(Context& ctx, const std::string& name, const std::string& id,
                              http::Request& req, http::Response& resp) {
  std::string_view method = req.method();
  if (method == "DELETE") {
    Status s = co_await ctx.pool.Run([&] { return ctx.registry.uploads().Cancel(name, id); });
    if (s.ok()) {
      (co_await resp.Send(204, "")).IgnoreError();
    } else if (s.code() == StatusCode::kNotFound || s.code() == StatusCode::kInvalidArgument) {
      co_await SendError(resp, ErrorCode::kBlobUploadUnknown, "upload " + id + " unknown");
    } else {
      co_await SendUploadFailure(ctx, resp, s);
    }
    co_return;
  }
  if (method != "GET" && method != "PATCH" && method != "PUT") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  StatusOr<UploadLease> lease =
      co_await ctx.pool.Run([&] { return ctx.registry.uploads().Acquire(name, id); });
  if (!lease.ok()) {
    StatusCode code = lease.status().code();
    if (code == StatusCode::kNotFound || code == StatusCode::kInvalidArgument) {
      co_await SendError(resp, ErrorCode::kBlobUploadUnknown, "upload " + id + " unknown");
    } else {
      co_await SendUploadFailure(ctx, resp, lease.status());
    }
    co_return;
  }
  if (method == "PATCH") {
    co_await Patch(ctx, name, std::move(*lease), req, resp);
  } else if (method == "PUT") {
    co_await Close(ctx, name, std::move(*lease), req, resp);
  } else {
    uint64_t size = (*lease)->upload->size();
    lease->Reset();
    SetSessionHeaders(resp, name, id, size);
    (co_await resp.Send(204, "")).IgnoreError();
  }
}

}  // namespace cangku::api::v2
