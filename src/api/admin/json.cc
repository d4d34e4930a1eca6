// The admin API's JSON: records as answers (never a password hash or secret hash), and the
// fields of request bodies.

#include <charconv>

#include "api/admin/handlers.h"
#include "auth/permissions.h"

namespace cangku::api::admin {

nlohmann::json UserJson(const metadata::UserRecord& user) {
  return {{"name", user.name},
          {"admin", user.admin},
          {"disabled", user.disabled},
          {"created_at", user.created_at},
          {"updated_at", user.updated_at}};
}

nlohmann::json ProjectJson(const metadata::ProjectRecord& project) {
  return {{"name", project.name},
          {"public", project.is_public},
          {"owner", project.owner},
          {"created_at", project.created_at}};
}

nlohmann::json MemberJson(const metadata::MemberRecord& member) {
  return {{"project", member.project},
          {"user", member.user},
          {"role", member.role},
          {"created_at", member.created_at}};
}

nlohmann::json RobotJson(const metadata::RobotRecord& robot) {
  nlohmann::json permissions = nlohmann::json::parse(robot.permissions_json, nullptr, false);
  if (permissions.is_discarded()) permissions = nlohmann::json::array();
  return {{"name", robot.name},
          {"project", robot.project},
          {"description", robot.description},
          {"permissions", std::move(permissions)},
          {"expires_at", robot.expires_at},
          {"disabled", robot.disabled},
          {"created_by", robot.created_by},
          {"created_at", robot.created_at},
          {"updated_at", robot.updated_at}};
}

nlohmann::json AuditJson(const metadata::AuditRecord& r) {
  return {{"id", r.id},
          {"time", r.time},
          {"actor", r.actor},
          {"address", r.address},
          {"action", r.action},
          {"project", r.project},
          {"resource", r.resource},
          {"result", r.result},
          {"detail", r.detail}};
}

namespace {

// The field, or nullptr when absent or null.
const nlohmann::json* Field(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

Status WrongType(const char* key, const char* type) {
  return InvalidArgumentError(std::string("\"") + key + "\" must be " + type);
}

}  // namespace

Status GetString(const nlohmann::json& body, const char* key, std::optional<std::string>* out) {
  const nlohmann::json* v = Field(body, key);
  if (v == nullptr) return OkStatus();
  if (!v->is_string()) return WrongType(key, "a string");
  *out = v->get<std::string>();
  return OkStatus();
}

Status GetBool(const nlohmann::json& body, const char* key, std::optional<bool>* out) {
  const nlohmann::json* v = Field(body, key);
  if (v == nullptr) return OkStatus();
  if (!v->is_boolean()) return WrongType(key, "true or false");
  *out = v->get<bool>();
  return OkStatus();
}

Status GetInt(const nlohmann::json& body, const char* key, std::optional<int64_t>* out) {
  const nlohmann::json* v = Field(body, key);
  if (v == nullptr) return OkStatus();
  if (!v->is_number_integer()) return WrongType(key, "an integer");
  *out = v->get<int64_t>();
  return OkStatus();
}

Status OnlyFields(const nlohmann::json& body, std::initializer_list<const char*> known) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    if (!ok) return InvalidArgumentError("unknown field \"" + it.key() + "\"");
  }
  return OkStatus();
}

StatusOr<std::vector<auth::RobotGrant>> ParseGrants(const nlohmann::json& permissions) {
  if (!permissions.is_array()) return WrongType("permissions", "an array");
  std::vector<auth::RobotGrant> grants;
  for (const nlohmann::json& item : permissions) {
    if (!item.is_object()) {
      return InvalidArgumentError("each permission is an object {\"project\", \"actions\"}");
    }
    RETURN_IF_ERROR(OnlyFields(item, {"project", "actions"}));
    auth::RobotGrant grant;
    std::optional<std::string> project;
    RETURN_IF_ERROR(GetString(item, "project", &project));
    grant.project = project.value_or("");
    const nlohmann::json* actions = Field(item, "actions");
    if (actions == nullptr || !actions->is_array()) return WrongType("actions", "an array");
    for (const nlohmann::json& a : *actions) {
      std::optional<auth::Action> action =
          a.is_string() ? auth::ParseAction(a.get<std::string>()) : std::nullopt;
      if (!action) return InvalidArgumentError("unknown action " + a.dump());
      grant.actions.push_back(*action);
    }
    grants.push_back(std::move(grant));
  }
  return grants;
}

StatusOr<std::optional<int64_t>> IntQuery(const http::Request& req, const char* key) {
  std::optional<std::string> text = req.query(key);
  if (!text) return std::optional<int64_t>();
  int64_t value = -1;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0) {
    return InvalidArgumentError(std::string(key) + " must be a non-negative integer");
  }
  return std::optional<int64_t>(value);
}

}  // namespace cangku::api::admin
