#include "auth/audit_log.h"

#include <utility>

namespace cangku::auth {

void AuditLog::Record(metadata::AuditRecord record) {
  if (record.time == 0) record.time = UnixSeconds(clock_.Now());
  std::lock_guard lock(mu_);
  if (pending_.size() >= max_pending_) {
    dropped_.fetch_add(1);
    return;
  }
  pending_.push_back(std::move(record));
}

Status AuditLog::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  std::vector<metadata::AuditRecord> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return OkStatus();
  Status s = store_.AppendAudit(batch);
  if (!s.ok()) {
    // Put the batch back in front of what arrived meanwhile, within the bound.
    std::lock_guard lock(mu_);
    batch.insert(batch.end(), std::make_move_iterator(pending_.begin()),
                 std::make_move_iterator(pending_.end()));
    if (batch.size() > max_pending_) {
      dropped_.fetch_add(batch.size() - max_pending_);
      batch.resize(max_pending_);
    }
    pending_.swap(batch);
  }
  return s;
}

}  // namespace cangku::auth
