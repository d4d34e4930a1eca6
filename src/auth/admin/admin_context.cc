#include "auth/admin/admin_context.h"

#include <utility>

namespace cangku::auth::admin {
namespace {

void Note(AdminContext& ctx, const Actor& actor, std::string action, std::string project,
          std::string resource, std::string result, std::string detail) {
  metadata::AuditRecord record;
  record.actor = AuditName(actor);
  record.address = actor.address;
  record.action = std::move(action);
  record.project = std::move(project);
  record.resource = std::move(resource);
  record.result = std::move(result);
  record.detail = std::move(detail);
  ctx.audit.Record(std::move(record));
}

}  // namespace

Actor SystemActor(std::string address) {
  Actor actor;
  actor.principal.kind = Principal::Kind::kUser;
  actor.principal.system_admin = true;
  actor.address = std::move(address);
  return actor;
}

std::string AuditName(const Actor& actor) {
  const Principal& p = actor.principal;
  if (p.name.empty() && p.system_admin) return "system";
  return p.name;
}

void Changed(AdminContext& ctx, const Actor& actor, std::string action, std::string project,
             std::string resource, std::string detail) {
  Note(ctx, actor, std::move(action), std::move(project), std::move(resource), "ok",
       std::move(detail));
  // Both caches may hold what just changed (a role, a disabled account, a public flag).
  ctx.access.Invalidate();
  ctx.authenticator.Invalidate();
}

void Refused(AdminContext& ctx, const Actor& actor, std::string action, std::string project,
             std::string resource, const Status& why) {
  Note(ctx, actor, std::move(action), std::move(project), std::move(resource), "denied",
       why.message());
}

Status Denied(AdminContext& ctx, const Actor& actor, std::string action, std::string project,
              std::string resource, std::string message) {
  Status status = PermissionDeniedError(std::move(message));
  Refused(ctx, actor, std::move(action), std::move(project), std::move(resource), status);
  return status;
}

}  // namespace cangku::auth::admin
