#include "auth/login_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace cangku::auth {
namespace {

constexpr int64_t kT0 = 1'700'000'000;

void FailTimes(LoginThrottle& throttle, int n, std::string_view user, std::string_view address,
               int64_t now) {
  for (int i = 0; i < n; ++i) throttle.RecordFailure(user, address, now);
}

TEST(LoginThrottleTest, LocksOutAfterTheAllowedFailures) {
  LoginThrottle throttle;  // 5 per user, 60 s first lockout.
  EXPECT_EQ(throttle.RetryAfter("alice", "10.0.0.1", kT0), 0);
  FailTimes(throttle, 4, "alice", "10.0.0.1", kT0);
  EXPECT_EQ(throttle.RetryAfter("alice", "10.0.0.1", kT0), 0);
  throttle.RecordFailure("alice", "10.0.0.1", kT0);
  EXPECT_EQ(throttle.RetryAfter("alice", "10.0.0.1", kT0), 60);
  // The lock is on the user, from any address, and counts down.
  EXPECT_EQ(throttle.RetryAfter("alice", "10.0.0.2", kT0 + 15), 45);
  EXPECT_EQ(throttle.RetryAfter("alice", "10.0.0.2", kT0 + 60), 0);
  // Other users are not affected.
  EXPECT_EQ(throttle.RetryAfter("bob", "10.0.0.2", kT0), 0);
}

TEST(LoginThrottleTest, FailuresWhileLockedOutDoubleTheLockout) {
  LoginThrottle throttle;
  FailTimes(throttle, 5, "alice", "a", kT0);
  ASSERT_EQ(throttle.RetryAfter("alice", "a", kT0), 60);
  throttle.RecordFailure("alice", "a", kT0 + 10);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 10), 120);
  throttle.RecordFailure("alice", "a", kT0 + 20);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 20), 240);
  throttle.RecordFailure("alice", "a", kT0 + 30);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 30), 480);
  throttle.RecordFailure("alice", "a", kT0 + 40);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 40), 900);  // Capped at max_lockout.
  throttle.RecordFailure("alice", "a", kT0 + 50);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 50), 900);
}

TEST(LoginThrottleTest, FailureRightAfterALockoutLocksAgainForLonger) {
  LoginThrottle throttle;
  FailTimes(throttle, 5, "alice", "a", kT0);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 61), 0);
  throttle.RecordFailure("alice", "a", kT0 + 61);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 61), 120);
}

TEST(LoginThrottleTest, FailuresExpireAfterTheWindow) {
  LoginThrottle throttle;  // 15 minute window.
  FailTimes(throttle, 4, "alice", "a", kT0);
  throttle.RecordFailure("alice", "a", kT0 + 900);  // The first four are forgotten.
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 900), 0);
  FailTimes(throttle, 3, "alice", "a", kT0 + 901);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 901), 0);
  throttle.RecordFailure("alice", "a", kT0 + 902);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 902), 60);

  // Within the window they all count.
  LoginThrottle other;
  FailTimes(other, 4, "alice", "a", kT0);
  other.RecordFailure("alice", "a", kT0 + 899);
  EXPECT_EQ(other.RetryAfter("alice", "a", kT0 + 899), 60);
}

TEST(LoginThrottleTest, QuietWindowAfterALockoutStartsAfresh) {
  LoginThrottle throttle;
  FailTimes(throttle, 7, "alice", "a", kT0);  // Locked, then doubled twice: 240 s.
  ASSERT_EQ(throttle.RetryAfter("alice", "a", kT0), 240);
  throttle.RecordFailure("alice", "a", kT0 + 900);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 900), 0);
  FailTimes(throttle, 4, "alice", "a", kT0 + 901);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 901), 60);  // The first lockout again.
}

TEST(LoginThrottleTest, SuccessForgetsTheUsersFailures) {
  LoginThrottle throttle;
  FailTimes(throttle, 4, "alice", "a", kT0);
  throttle.RecordSuccess("alice");
  FailTimes(throttle, 4, "alice", "a", kT0 + 1);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 1), 0);
  throttle.RecordFailure("alice", "a", kT0 + 2);
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 2), 60);
  // Success of another user changes nothing for alice.
  throttle.RecordSuccess("bob");
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 2), 60);
}

TEST(LoginThrottleTest, LocksOutAnAddressTryingManyUsers) {
  LoginThrottle throttle;  // 20 per address.
  for (int i = 0; i < 19; ++i) throttle.RecordFailure("user" + std::to_string(i), "6.6.6.6", kT0);
  EXPECT_EQ(throttle.RetryAfter("someone", "6.6.6.6", kT0), 0);
  throttle.RecordFailure("user19", "6.6.6.6", kT0);
  EXPECT_EQ(throttle.RetryAfter("someone", "6.6.6.6", kT0), 60);
  EXPECT_EQ(throttle.RetryAfter("someone", "7.7.7.7", kT0), 0);
  // A success does not clear the address.
  throttle.RecordSuccess("user0");
  EXPECT_EQ(throttle.RetryAfter("user0", "6.6.6.6", kT0 + 1), 59);
}

TEST(LoginThrottleTest, RetryAfterIsTheLongerOfUserAndAddress) {
  ThrottleOptions options;
  options.max_failures_per_user = 2;
  options.max_failures_per_address = 3;
  options.lockout = std::chrono::seconds(10);
  options.max_lockout = std::chrono::seconds(100);
  LoginThrottle throttle(options);
  FailTimes(throttle, 2, "alice", "a", kT0);    // alice locked for 10 s.
  throttle.RecordFailure("bob", "a", kT0 + 5);  // address locked for 10 s from kT0 + 5.
  EXPECT_EQ(throttle.RetryAfter("alice", "a", kT0 + 5), 10);
  EXPECT_EQ(throttle.RetryAfter("alice", "b", kT0 + 5), 5);
  EXPECT_EQ(throttle.RetryAfter("carol", "a", kT0 + 5), 10);
}

TEST(LoginThrottleTest, ForgottenEntriesArePruned) {
  LoginThrottle throttle;
  for (int i = 0; i < 1000; ++i) {
    throttle.RecordFailure("user" + std::to_string(i), "10.0." + std::to_string(i), kT0);
  }
  EXPECT_EQ(throttle.TrackedEntries(), 2000u);
  // Before the window has passed, nothing may be dropped.
  throttle.RecordFailure("late", "10.1.0.0", kT0 + 899);
  EXPECT_EQ(throttle.TrackedEntries(), 2002u);
  throttle.RecordFailure("later", "10.1.0.1", kT0 + 900 + 60);
  EXPECT_EQ(throttle.TrackedEntries(), 4u);
  // An entry still locked out survives the sweep even when its window has passed.
  ThrottleOptions options;
  options.window = std::chrono::seconds(100);
  options.max_lockout = std::chrono::seconds(1000);
  LoginThrottle locked(options);
  FailTimes(locked, 7, "alice", "a", kT0);  // Locked, doubled twice: 240 s.
  ASSERT_EQ(locked.RetryAfter("alice", "a", kT0), 240);
  locked.RecordFailure("bob", "b", kT0 + 150);
  EXPECT_EQ(locked.TrackedEntries(), 3u);  // alice, bob and b; address a was forgotten.
  EXPECT_EQ(locked.RetryAfter("alice", "z", kT0 + 150), 90);
}

}  // namespace
}  // namespace cangku::auth
