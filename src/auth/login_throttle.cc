#include "auth/login_throttle.h"

#include <algorithm>
#include <limits>

namespace cangku::auth {
namespace {

// How often expired entries are swept: often enough to bound memory by the failures of one
// window, rarely enough that the O(entries) sweep costs nothing per login.
constexpr int64_t kPruneIntervalSeconds = 60;

template <typename Map>
int64_t Remaining(const Map& map, std::string_view key, int64_t now) {
  auto it = map.find(std::string(key));
  return it == map.end() ? 0 : std::max<int64_t>(0, it->second.locked_until - now);
}

}  // namespace

int64_t LoginThrottle::RetryAfter(std::string_view user, std::string_view address, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  return std::max(Remaining(users_, user, now), Remaining(addresses_, address, now));
}

void LoginThrottle::RecordFailure(std::string_view user, std::string_view address, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  Fail(users_, user, options_.max_failures_per_user, now);
  Fail(addresses_, address, options_.max_failures_per_address, now);
  Prune(now);
}

void LoginThrottle::RecordSuccess(std::string_view user) {
  std::lock_guard<std::mutex> lock(mu_);
  users_.erase(std::string(user));
}

size_t LoginThrottle::TrackedEntries() {
  std::lock_guard<std::mutex> lock(mu_);
  return users_.size() + addresses_.size();
}

// The window restarts at each lockout, so once locked out a name or address stays one failure
// away from a longer lockout until it has been quiet for a whole window.
void LoginThrottle::Fail(std::unordered_map<std::string, Entry>& map, std::string_view key,
                         int limit, int64_t now) {
  const int64_t window = options_.window.count();
  const int64_t max_lockout = options_.max_lockout.count();
  Entry& e = map[std::string(key)];
  if (now >= e.locked_until && now - e.first_failure >= window) e = Entry{};
  if (e.failures == 0) e.first_failure = now;
  if (e.failures < std::numeric_limits<int>::max()) ++e.failures;
  // A failure while locked out means the client kept trying, and so does one right after a
  // lockout: both lengthen the next lockout.
  if (e.failures < limit && now >= e.locked_until) return;
  e.lockout = e.lockout == 0 ? std::min(options_.lockout.count(), max_lockout)
                             : std::min(e.lockout * 2, max_lockout);
  e.locked_until = now + e.lockout;
  e.first_failure = now;
}

void LoginThrottle::Prune(int64_t now) {
  // A clock that went backwards also triggers a sweep rather than postponing it indefinitely.
  if (now - last_prune_ < kPruneIntervalSeconds && now >= last_prune_) return;
  last_prune_ = now;
  const int64_t window = options_.window.count();
  auto forgotten = [&](const auto& item) {
    const Entry& e = item.second;
    return now >= e.locked_until && now - e.first_failure >= window;
  };
  std::erase_if(users_, forgotten);
  std::erase_if(addresses_, forgotten);
}

}  // namespace cangku::auth
