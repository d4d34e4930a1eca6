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

// Checks a chunk's Content-Range against the session's offset; sends 416 when it does not
// continue the upload exactly.
http::Task<bool> ChunkFits(http::Request& req, http::Response& resp, const std::string& name,
                           const std::string& id, uint64_t size) {
  auto header = req.header("Content-Range");
  if (!header) co_return true;
  StatusOr<http::ByteRange> range = http::ParseContentRange(*header);
  std::string problem;
  if (!range.ok()) {
    problem = range.status().message();
  } else if (range->first != size) {
    problem = "chunk starts at " + std::to_string(range->first) + " but the upload holds " +
              std::to_string(size) + " bytes";
  } else if (auto len = req.content_length(); len && *len != range->length()) {
    problem = "Content-Length does not match Content-Range";
  }
  if (problem.empty()) co_return true;
  SetSessionHeaders(resp, name, id, size);
  co_await SendError(resp, ErrorCode::kRangeInvalid, problem);
  co_return false;
}

http::Task<void> Monolithic(Context& ctx, const std::string& name, const oci::Digest& digest,
                            http::Request& req, http::Response& resp) {
  StatusOr<UploadLease> lease =
      co_await ctx.pool.Run([&] { return ctx.registry.uploads().StartEphemeral(name); });
  if (!lease.ok()) {
    co_await SendUnexpected(ctx, resp, lease.status());
    co_return;
  }
  Status s = co_await StreamBody(req, *(*lease)->upload);
  if (s.ok()) {
    s = co_await ctx.pool.Run(
        [&] { return ctx.registry.FinishUpload(std::move(*lease), digest); });
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

http::Task<void> HandleUploadStart(Context& ctx, const std::string& name, http::Request& req,
                                   http::Response& resp) {
  if (req.method() != "POST") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  if (req.query("mount")) {
    bool done = false;
    co_await Mount(ctx, name, req, resp, &done);
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

http::Task<void> Close(Context& ctx, const std::string& name, UploadLease lease,
                       http::Request& req, http::Response& resp) {
  auto digest_text = req.query("digest");
  if (!digest_text) {
    co_await SendError(resp, ErrorCode::kDigestInvalid, "the digest query parameter is required");
    co_return;
  }
  auto digest = co_await DigestOrError(resp, *digest_text);
  if (!digest) co_return;
  if (!co_await ChunkFits(req, resp, name, lease->id, lease->upload->size())) co_return;
  Status s = co_await StreamBody(req, *lease->upload);
  if (s.ok()) {
    s = co_await ctx.pool.Run(
        [&] { return ctx.registry.FinishUpload(std::move(lease), *digest); });
  }
  if (!s.ok()) {
    co_await SendUploadFailure(ctx, resp, s);
    co_return;
  }
  co_await SendBlobCreated(resp, name, *digest);
}

http::Task<void> Patch(const std::string& name, UploadLease lease, Context& ctx,
                       http::Request& req, http::Response& resp) {
  if (!co_await ChunkFits(req, resp, name, lease->id, lease->upload->size())) co_return;
  Status s = co_await StreamBody(req, *lease->upload);
  if (!s.ok()) {
    co_await SendUploadFailure(ctx, resp, s);
    co_return;
  }
  SetSessionHeaders(resp, name, lease->id, lease->upload->size());
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
    co_await Patch(name, std::move(*lease), ctx, req, resp);
  } else if (method == "PUT") {
    co_await Close(ctx, name, std::move(*lease), req, resp);
  } else {
    SetSessionHeaders(resp, name, id, (*lease)->upload->size());
    (co_await resp.Send(204, "")).IgnoreError();
  }
}

}  // namespace cangku::api::v2
