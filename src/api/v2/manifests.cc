#include "api/v2/handlers.h"
#include "oci/reference.h"

namespace cangku::api::v2 {
namespace {

http::Task<void> GetManifest(Context& ctx, const std::string& name, const oci::Reference& ref,
                             http::Request& req, http::Response& resp, bool is_get) {
  registry::CachedManifest entry = ctx.registry.CachedManifest(name, ref);
  if (!entry) {
    StatusOr<registry::CachedManifest> found =
        co_await ctx.pool.Run([&] { return ctx.registry.GetManifest(name, ref); });
    if (!found.ok()) {
      if (found.status().code() == StatusCode::kNotFound) {
        co_await SendError(resp, ErrorCode::kManifestUnknown,
                           "manifest " + ref.str() + " unknown to " + name);
      } else {
        co_await SendUnexpected(ctx, resp, found.status());
      }
      co_return;
    }
    entry = std::move(*found);
  }
  if (is_get) ctx.registry.NotePull(entry);
  std::string etag = "\"";
  etag.append(entry.digest()).push_back('"');
  resp.SetHeader("Docker-Content-Digest", entry.digest());
  resp.SetHeader("ETag", etag);
  if (auto inm = req.header("If-None-Match"); inm && *inm == etag) {
    (co_await resp.Send(304, "")).IgnoreError();
    co_return;
  }
  resp.SetHeader("Content-Type", entry.media_type());
  (co_await resp.Send(200, std::string(entry.content()))).IgnoreError();
}

http::Task<void> PutManifest(Context& ctx, const std::string& name, const oci::Reference& ref,
                             http::Request& req, http::Response& resp) {
  StatusOr<std::string> body = co_await ReadAll(req, ctx.registry.options().max_manifest_bytes);
  if (!body.ok()) {
    if (body.status().code() == StatusCode::kResourceExhausted) {
      co_await SendError(resp, ErrorCode::kManifestTooLarge, body.status().message());
    } else {
      co_await SendError(resp, ErrorCode::kManifestInvalid, body.status().message());
    }
    co_return;
  }
  std::string content_type(req.header("Content-Type").value_or(""));
  StatusOr<registry::PutManifestResult> put = co_await ctx.pool.Run(
      [&] { return ctx.registry.PutManifest(name, ref, content_type, std::move(*body)); });
  if (!put.ok()) {
    const Status& s = put.status();
    switch (s.code()) {
      case StatusCode::kInvalidArgument:
        co_await SendError(resp, ErrorCode::kManifestInvalid, s.message());
        break;
      case StatusCode::kFailedPrecondition:
        co_await SendError(resp, ErrorCode::kDigestInvalid, s.message());
        break;
      case StatusCode::kNotFound:
        co_await SendError(resp, ErrorCode::kManifestBlobUnknown, s.message());
        break;
      case StatusCode::kResourceExhausted:  // over the project's quota
        co_await SendError(resp, ErrorCode::kDenied, s.message());
        break;
      case StatusCode::kPermissionDenied:
        co_await SendError(resp, ErrorCode::kTagImmutable, s.message());
        break;
      default:
        co_await SendUnexpected(ctx, resp, s);
    }
    co_return;
  }
  resp.SetHeader("Location", "/v2/" + name + "/manifests/" + put->digest.str());
  resp.SetHeader("Docker-Content-Digest", put->digest.str());
  if (put->subject) resp.SetHeader("OCI-Subject", put->subject->str());
  (co_await resp.Send(201, "")).IgnoreError();
}

http::Task<void> DeleteManifest(Context& ctx, const std::string& name, const oci::Reference& ref,
                                http::Response& resp) {
  Status s = co_await ctx.pool.Run([&] { return ctx.registry.DeleteManifest(name, ref); });
  if (s.code() == StatusCode::kNotFound) {
    co_await SendError(resp, ErrorCode::kManifestUnknown,
                       "manifest " + ref.str() + " unknown to " + name);
  } else if (s.code() == StatusCode::kPermissionDenied) {
    co_await SendError(resp, ErrorCode::kTagImmutable, s.message());
  } else if (!s.ok()) {
    co_await SendUnexpected(ctx, resp, s);
  } else {
    (co_await resp.Send(202, "")).IgnoreError();
  }
}

}  // namespace

http::Task<void> HandleManifest(Context& ctx, const std::string& name, const std::string& arg,
                                http::Request& req, http::Response& resp) {
  std::string_view method = req.method();
  if (method != "GET" && method != "HEAD" && method != "PUT" && method != "DELETE") {
    co_await SendError(resp, ErrorCode::kUnsupported, "method not allowed");
    co_return;
  }
  StatusOr<oci::Reference> ref = oci::Reference::Parse(arg);
  if (!ref.ok()) {
    bool digest_like = arg.find(':') != std::string::npos;
    co_await SendError(resp, digest_like ? ErrorCode::kDigestInvalid : ErrorCode::kTagInvalid,
                       ref.status().message());
    co_return;
  }
  if (method == "PUT") {
    co_await PutManifest(ctx, name, *ref, req, resp);
  } else if (method == "DELETE") {
    co_await DeleteManifest(ctx, name, *ref, resp);
  } else {
    bool is_get = method == "GET";
    co_await GetManifest(ctx, name, *ref, req, resp, is_get);
  }
}

}  // namespace cangku::api::v2
