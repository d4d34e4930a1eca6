#pragma once

#include <string>

#include "auth/access_control.h"
#include "auth/audit_log.h"
#include "auth/authenticator.h"
#include "auth/principal.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "metadata/identity_store.h"

namespace cangku::auth::admin {

// Who asks for an administrative change, and from where (for the audit log).
struct Actor {
  Principal principal;
  std::string address;
};

// What the administrative services work with. Shared; every member is thread-safe.
struct AdminContext {
  metadata::IdentityStore& store;
  AccessControl& access;
  Authenticator& authenticator;
  AuditLog& audit;
  const Clock& clock;
  Random& random;
  int bcrypt_cost;
};

// The actor of changes made on the operator's behalf (the CLI on a data directory, the first
// start's bootstrap): a system admin without an account, audited as "system".
Actor SystemActor(std::string address = "local");

// The name the audit log shows for `actor`: the principal's name, "system" for SystemActor.
std::string AuditName(const Actor& actor);

// Notes an administrative change in the audit log and drops the access caches, so that the change
// applies at once on this instance.
void Changed(AdminContext& ctx, const Actor& actor, std::string action, std::string project,
             std::string resource, std::string detail = "");
// Notes a refused administrative request in the audit log (result "denied", the reason as
// detail).
void Refused(AdminContext& ctx, const Actor& actor, std::string action, std::string project,
             std::string resource, const Status& why);
// Refused with kPermissionDenied(`message`), which it returns.
Status Denied(AdminContext& ctx, const Actor& actor, std::string action, std::string project,
              std::string resource, std::string message);

}  // namespace cangku::auth::admin
