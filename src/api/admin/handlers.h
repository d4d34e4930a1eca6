#pragma once

// Internal to the admin API: what its handlers share. One file per resource implements the
// handlers below; router.cc picks one by the first path segments.

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/admin/admin_api.h"
#include "auth/admin/admin_context.h"
#include "auth/principal.h"
#include "http/exchange.h"
#include "metadata/audit_store.h"
#include "metadata/identity_store.h"

namespace cangku::api::admin {

// One request below /api/v1/: who asks, and the percent-decoded path segments after /api/v1/.
struct Call {
  AdminApiContext& ctx;
  auth::admin::Actor actor;
  http::Request& req;
  http::Response& resp;
  std::vector<std::string> path;

  std::string_view method() const { return req.method(); }
};

// --- answers (router.cc) ---

// Sends `body` as JSON with `status`.
http::Task<void> Reply(Call& call, int status, nlohmann::json body);
// Sends 204 without a body.
http::Task<void> ReplyNoContent(Call& call);
// Sends the error for a failed service call: the code ErrorCodeForStatus picks, except that an
// anonymous caller refused gets 401 with a Basic challenge. Server faults are logged.
http::Task<void> Fail(Call& call, const Status& status);
// 405 UNSUPPORTED.
http::Task<void> MethodNotAllowed(Call& call);
// 404 NOT_FOUND for a path the API does not have.
http::Task<void> NoSuchEndpoint(Call& call);

// The request body as a JSON object (an empty body is {} when `empty_is_object`); on failure the
// 400 answer has been sent.
http::Task<std::optional<nlohmann::json>> ReadJsonObject(Call& call, bool empty_is_object = false);
// The request body as text (at most `limit` bytes); on failure the answer has been sent.
http::Task<std::optional<std::string>> ReadText(Call& call, size_t limit);

// The n/last parameters of a paged listing: n defaults to 100 and is capped at 1000.
struct PageParams {
  int limit = 100;
  std::string last;
};
// On failure (n not a non-negative integer) the 400 answer has been sent.
http::Task<std::optional<PageParams>> PageParamsOrFail(Call& call);
// Sets the Link header to the next page (`path`?n=..&last=`last`).
void SetNextLink(Call& call, const std::string& path, const PageParams& page,
                 const std::string& last);
// The answer to a paged list: `items` holds up to page.limit + 1 records (one more than asked,
// to know whether a next page exists); answers {`key`: [to_json(record)...]} with the Link to
// the next page when there is one.
template <typename Record, typename ToJson>
nlohmann::json PageAnswer(Call& call, const std::string& path, const std::string& key,
                          const PageParams& page, const std::vector<Record>& items,
                          ToJson to_json) {
  nlohmann::json list = nlohmann::json::array();
  size_t limit = static_cast<size_t>(page.limit);
  for (size_t i = 0; i < items.size() && i < limit; ++i) list.push_back(to_json(items[i]));
  if (items.size() > limit && limit > 0) SetNextLink(call, path, page, items[limit - 1].name);
  nlohmann::json out;
  out[key] = std::move(list);
  return out;
}

// --- JSON (json.cc) ---

nlohmann::json UserJson(const metadata::UserRecord& user);
nlohmann::json ProjectJson(const metadata::ProjectRecord& project);
nlohmann::json MemberJson(const metadata::MemberRecord& member);
nlohmann::json RobotJson(const metadata::RobotRecord& robot);
nlohmann::json AuditJson(const metadata::AuditRecord& record);

// Fields of a request body. A missing (or null) field leaves `out` empty; a field of the wrong
// type is kInvalidArgument naming it.
Status GetString(const nlohmann::json& body, const char* key, std::optional<std::string>* out);
Status GetBool(const nlohmann::json& body, const char* key, std::optional<bool>* out);
Status GetInt(const nlohmann::json& body, const char* key, std::optional<int64_t>* out);
// kInvalidArgument naming the first field of `body` not in `known` (a typo would else be
// ignored silently).
Status OnlyFields(const nlohmann::json& body, std::initializer_list<const char*> known);
// Robot permissions: [{"project": "<name>"|"*" (optional for project robots), "actions": [...]}].
StatusOr<std::vector<auth::RobotGrant>> ParseGrants(const nlohmann::json& permissions);
// A non-negative integer query parameter; nullopt when absent. Errors: kInvalidArgument.
StatusOr<std::optional<int64_t>> IntQuery(const http::Request& req, const char* key);

// --- handlers, one file each ---

// GET /me (me.cc).
http::Task<void> HandleMe(Call& call);
// /users... (users.cc).
http::Task<void> HandleUsers(Call& call);
// /projects, /projects/<p>, /projects/<p>/permissions, /projects/<p>/usage (projects.cc).
http::Task<void> HandleProjects(Call& call);
// /projects/<p>/members... (members.cc).
http::Task<void> HandleMembers(Call& call);
// /robots..., /projects/<p>/robots (robots.cc).
http::Task<void> HandleRobots(Call& call);
// /audit, /projects/<p>/audit (audit.cc).
http::Task<void> HandleAudit(Call& call);
// POST /gc, POST /retention (maintenance.cc).
http::Task<void> HandleGc(Call& call);
http::Task<void> HandleRetention(Call& call);

}  // namespace cangku::api::admin
