// The admin API's entry point: splits the path, turns anonymous callers away where an account is
// needed, and hands the request to the resource's handler; plus the answers every handler sends.

#include <charconv>

#include "api/admin/handlers.h"
#include "api/errors.h"
#include "api/v2/context.h"
#include "common/text.h"
#include "http/url.h"

namespace cangku::api::admin {
namespace {

constexpr std::string_view kPrefix = "/api/v1/";
constexpr size_t kMaxJsonBody = 1 << 20;
constexpr int kMaxPage = 1000;
constexpr std::string_view kBasicChallenge = "Basic realm=\"cangku\"";

// The percent-decoded segments of `path` after /api/v1/; nullopt when one is empty or malformed.
std::optional<std::vector<std::string>> Segments(std::string_view path) {
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  std::vector<std::string> segments;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::optional<std::string> segment = PercentDecode(path.substr(0, slash));
    if (!segment || segment->empty()) return std::nullopt;
    segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) return std::nullopt;  // a trailing '/'
  }
  if (segments.empty()) return std::nullopt;
  return segments;
}

// Whether anonymous callers may make this request: only the list of (public) projects.
bool OpenToAnonymous(const Call& call) {
  return call.method() == "GET" && call.path.size() == 1 && call.path[0] == "projects";
}

http::Task<void> Challenge(Call& call, std::string message) {
  call.resp.SetHeader("WWW-Authenticate", kBasicChallenge);
  co_await v2::SendError(call.resp, ErrorCode::kUnauthorized, message);
}

http::Task<void> Route(Call& call) {
  const std::vector<std::string>& p = call.path;
  if (p[0] == "me") co_return co_await HandleMe(call);
  if (p[0] == "users") co_return co_await HandleUsers(call);
  if (p[0] == "robots") co_return co_await HandleRobots(call);
  if (p[0] == "audit") co_return co_await HandleAudit(call);
  if (p[0] == "gc") co_return co_await HandleGc(call);
  if (p[0] == "retention") co_return co_await HandleRetention(call);
  if (p[0] != "projects") co_return co_await NoSuchEndpoint(call);
  if (p.size() >= 3 && p[2] == "members") co_return co_await HandleMembers(call);
  if (p.size() >= 3 && p[2] == "robots") co_return co_await HandleRobots(call);
  if (p.size() >= 3 && p[2] == "audit") co_return co_await HandleAudit(call);
  co_await HandleProjects(call);
}

}  // namespace

http::Task<void> HandleAdmin(AdminApiContext& ctx, const auth::Principal& principal,
                             http::Request& request, http::Response& response) {
  std::optional<std::vector<std::string>> segments = Segments(request.path());
  Call call{ctx, {principal, request.remote_address()}, request, response, {}};
  if (!segments) co_return co_await NoSuchEndpoint(call);
  call.path = std::move(*segments);
  if (principal.anonymous() && !OpenToAnonymous(call)) {
    co_return co_await Challenge(call, "authentication required");
  }
  co_await Route(call);
}

http::Task<void> Reply(Call& call, int status, nlohmann::json body) {
  co_await v2::SendJson(call.resp, status, body.dump());
}

http::Task<void> ReplyNoContent(Call& call) { (co_await call.resp.Send(204, "")).IgnoreError(); }

http::Task<void> Fail(Call& call, const Status& status) {
  if (status.code() == StatusCode::kPermissionDenied && call.actor.principal.anonymous()) {
    co_return co_await Challenge(call, status.message());
  }
  ErrorCode code = ErrorCodeForStatus(status);
  if (HttpStatus(code) >= 500) {
    call.ctx.logger.error("{} {} failed: {}", call.req.method(), call.req.path(),
                          status.ToString());
  }
  co_await v2::SendError(call.resp, code, status.message());
}

http::Task<void> MethodNotAllowed(Call& call) {
  std::string message = "method " + std::string(call.method()) + " not allowed here";
  co_await v2::SendError(call.resp, ErrorCode::kUnsupported, message);
}

http::Task<void> NoSuchEndpoint(Call& call) {
  std::string message = "no such endpoint: " + std::string(call.req.path());
  co_await v2::SendError(call.resp, ErrorCode::kNotFound, message);
}

http::Task<std::optional<nlohmann::json>> ReadJsonObject(Call& call, bool empty_is_object) {
  std::optional<std::string> text = co_await ReadText(call, kMaxJsonBody);
  if (!text) co_return std::nullopt;
  if (empty_is_object && text->empty()) co_return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    co_await v2::SendError(call.resp, ErrorCode::kBadRequest, "the body must be a JSON object");
    co_return std::nullopt;
  }
  co_return body;
}

http::Task<std::optional<std::string>> ReadText(Call& call, size_t limit) {
  StatusOr<std::string> body = co_await v2::ReadAll(call.req, limit);
  if (body.ok()) co_return std::move(*body);
  if (body.status().code() == StatusCode::kResourceExhausted) {
    co_await v2::SendError(call.resp, ErrorCode::kBadRequest, body.status().message());
  } else {
    co_await Fail(call, body.status());
  }
  co_return std::nullopt;
}

http::Task<std::optional<PageParams>> PageParamsOrFail(Call& call) {
  PageParams page;
  page.last = call.req.query("last").value_or("");
  StatusOr<std::optional<int64_t>> n = IntQuery(call.req, "n");
  if (!n.ok()) {
    co_await v2::SendError(call.resp, ErrorCode::kPaginationNumberInvalid,
                           "n must be a non-negative integer");
    co_return std::nullopt;
  }
  if (*n) page.limit = static_cast<int>(std::min<int64_t>(**n, kMaxPage));
  co_return page;
}

void SetNextLink(Call& call, const std::string& path, const PageParams& page,
                 const std::string& last) {
  call.resp.SetHeader("Link", "<" + path + "?n=" + std::to_string(page.limit) +
                                  "&last=" + http::PercentEncode(last) + ">; rel=\"next\"");
}

}  // namespace cangku::api::admin
