#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cangku::auth {

struct ThrottleOptions {
  // Failures allowed before a user name / a client address is locked out.
  int max_failures_per_user = 5;
  int max_failures_per_address = 20;
  // Failures are counted over this window from the first one; a lockout restarts it. Once a
  // window and any lockout have passed, the failures are forgotten.
  std::chrono::seconds window{15 * 60};
  // The first lockout; each further failure while locked out, or in the window after a lockout,
  // doubles it, up to max_lockout.
  std::chrono::seconds lockout{60};
  std::chrono::seconds max_lockout{15 * 60};
};

// Failed-login throttling per user name and per client address, in memory. Thread-safe.
// Memory is bounded: entries whose window and lockout have passed are dropped as new ones come.
class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleOptions options = {}) : options_(options) {}

  // Seconds the caller must still wait before a login as `user` from `address` is tried; 0 when
  // it may be tried now.
  int64_t RetryAfter(std::string_view user, std::string_view address, int64_t now);
  // Notes a failed login (wrong password, unknown user, disabled account).
  void RecordFailure(std::string_view user, std::string_view address, int64_t now);
  // Notes a successful login: the user's failures are forgotten (the address's are not).
  void RecordSuccess(std::string_view user);
  // The user and address entries held, for tests and metrics.
  size_t TrackedEntries();

 private:
  struct Entry {
    int failures = 0;
    int64_t first_failure = 0;
    int64_t locked_until = 0;
    int64_t lockout = 0;
  };
  void Fail(std::unordered_map<std::string, Entry>& map, std::string_view key, int limit,
            int64_t now);
  void Prune(int64_t now);

  const ThrottleOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> users_;      // guarded by mu_
  std::unordered_map<std::string, Entry> addresses_;  // guarded by mu_
  int64_t last_prune_ = 0;                            // guarded by mu_
};

}  // namespace cangku::auth
