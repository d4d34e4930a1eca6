#include "server/scheduler.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cangku::server {
namespace {

using namespace std::chrono_literals;
using TimePoint = Scheduler::TimePoint;

TimePoint At(int hour, int minute, int second = 0) {
  using namespace std::chrono;
  return sys_days(2024y / January / 1) + hours(hour) + minutes(minute) + seconds(second);
}

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint now) : now_(now) {}
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Set(TimePoint now) {
    std::lock_guard lock(mu_);
    now_ = now;
  }
  void Advance(std::chrono::system_clock::duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

// Polls `done` in real time for up to 5 seconds.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

CronSchedule Cron(std::string_view expression) {
  auto schedule = CronSchedule::Parse(expression);
  CANGKU_CHECK(schedule.ok());
  return *std::move(schedule);
}

class SchedulerTest : public ::testing::Test {
 protected:
  // Re-reads the fake clock every 5 ms of real time.
  std::unique_ptr<Scheduler> MakeScheduler(std::chrono::milliseconds recheck = 5ms) {
    return std::make_unique<Scheduler>(clock_, logger_, recheck);
  }
  // A job counting its runs in `count`.
  static std::function<void()> Counter(std::atomic<int>& count) {
    return [&count] { ++count; };
  }
  // The log; read only once the scheduler has stopped.
  std::string Log() const { return log_.str(); }

  FakeClock clock_{At(0, 0, 30)};
  std::ostringstream log_;
  Logger logger_{"test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_)};
};

TEST_F(SchedulerTest, RunsAJobEachTimeItIsDue) {
  std::atomic<int> count = 0;
  auto scheduler = MakeScheduler();
  scheduler->Add("tick", Cron("* * * * *"), Counter(count));
  EXPECT_FALSE(scheduler->NextRun("tick").has_value());
  scheduler->Start();
  EXPECT_EQ(scheduler->NextRun("tick"), At(0, 1));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(count, 0);

  clock_.Set(At(0, 1));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("tick") == At(0, 2); }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(count, 1);

  clock_.Set(At(0, 2, 10));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("tick") == At(0, 3); }));
  EXPECT_EQ(count, 2);
  EXPECT_FALSE(scheduler->NextRun("unknown").has_value());
}

TEST_F(SchedulerTest, WaitsForTheScheduledTime) {
  std::atomic<int> count = 0;
  auto scheduler = MakeScheduler();
  scheduler->Add("two-hourly", Cron("0 */2 * * *"), Counter(count));
  scheduler->Start();
  EXPECT_EQ(scheduler->NextRun("two-hourly"), At(2, 0));
  clock_.Set(At(1, 59, 59));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(count, 0);
  clock_.Set(At(2, 0));
  ASSERT_TRUE(Eventually([&] { return count == 1; }));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("two-hourly") == At(4, 0); }));
}

TEST_F(SchedulerTest, ALongJobDoesNotPileUp) {
  std::atomic<int> count = 0;
  auto scheduler = MakeScheduler();
  // Every minute, but each run takes five.
  scheduler->Add("slow", Cron("* * * * *"), [&] {
    ++count;
    clock_.Advance(5min);
  });
  scheduler->Start();
  clock_.Set(At(0, 1));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("slow") == At(0, 7); }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(count, 1);  // not once more for each missed minute
  clock_.Set(At(0, 7));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("slow") == At(0, 13); }));
  EXPECT_EQ(count, 2);
}

TEST_F(SchedulerTest, JobsRunOneAtATimeInOrder) {
  std::mutex mu;
  std::vector<std::string> order;
  std::atomic<int> active = 0;
  std::atomic<int> max_active = 0;
  auto scheduler = MakeScheduler();
  for (std::string name : {"a", "b", "c"}) {
    scheduler->Add(name, Cron("* * * * *"), [&, name] {
      max_active = std::max(max_active.load(), ++active);
      std::this_thread::sleep_for(20ms);
      {
        std::lock_guard lock(mu);
        order.push_back(name);
      }
      --active;
    });
  }
  scheduler->Start();
  clock_.Set(At(0, 1));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("c") == At(0, 2); }));
  scheduler->Stop();
  EXPECT_EQ(max_active, 1);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SchedulerTest, StopInterruptsTheWaitPromptly) {
  // Without the interruption, Stop would wait out a minute-long recheck interval.
  auto scheduler = MakeScheduler(60s);
  scheduler->Add("yearly", Cron("@yearly"), [] {});
  scheduler->Start();
  std::this_thread::sleep_for(20ms);
  const auto start = std::chrono::steady_clock::now();
  scheduler->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  scheduler->Stop();  // idempotent
}

TEST_F(SchedulerTest, DestructorStopsPromptly) {
  const auto start = std::chrono::steady_clock::now();
  {
    auto scheduler = MakeScheduler(60s);
    scheduler->Add("yearly", Cron("@yearly"), [] {});
    scheduler->Start();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  MakeScheduler();  // never started: nothing to stop
}

TEST_F(SchedulerTest, StopLetsARunningJobFinish) {
  std::atomic<bool> started = false;
  std::atomic<bool> finished = false;
  std::atomic<int> count = 0;
  auto scheduler = MakeScheduler();
  scheduler->Add("gc", Cron("* * * * *"), [&] {
    ++count;
    started = true;
    std::this_thread::sleep_for(200ms);
    finished = true;
  });
  scheduler->Start();
  clock_.Set(At(0, 1));
  ASSERT_TRUE(Eventually([&] { return started.load(); }));
  clock_.Set(At(0, 10));  // due again as soon as it finishes, but stopped first
  scheduler->Stop();
  EXPECT_TRUE(finished);
  EXPECT_EQ(count, 1);
}

TEST_F(SchedulerTest, LogsEachStartAndEnd) {
  std::atomic<int> count = 0;
  auto scheduler = MakeScheduler();
  scheduler->Add("gc", Cron("*/5 * * * *"), Counter(count));
  scheduler->Start();
  clock_.Set(At(0, 5));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("gc") == At(0, 10); }));
  scheduler->Stop();
  const std::string log = Log();
  EXPECT_NE(log.find("[info] scheduler: job gc (*/5 * * * *) first runs at 2024-01-01T00:05:00Z"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("[info] scheduler: job gc started"), std::string::npos) << log;
  EXPECT_NE(log.find("[info] scheduler: job gc finished in 0 ms; next run at "
                     "2024-01-01T00:10:00Z"),
            std::string::npos)
      << log;
}

TEST_F(SchedulerTest, AScheduleWithoutRunTimeNeverRuns) {
  std::atomic<int> never = 0;
  std::atomic<int> daily = 0;
  auto scheduler = MakeScheduler();
  scheduler->Add("feb30", Cron("0 0 30 2 *"), Counter(never));
  scheduler->Add("daily", Cron("@daily"), Counter(daily));
  scheduler->Start();
  EXPECT_FALSE(scheduler->NextRun("feb30").has_value());
  clock_.Set(At(24, 0));
  ASSERT_TRUE(Eventually([&] { return daily == 1; }));
  scheduler->Stop();
  EXPECT_EQ(never, 0);
  EXPECT_NE(Log().find("[warning] scheduler: job feb30 (0 0 30 2 *) has no run time within 5 "
                       "years; it will not run"),
            std::string::npos)
      << Log();
}

TEST_F(SchedulerTest, AJobThatThrowsIsLoggedAndStaysScheduled) {
  std::atomic<int> count = 0;
  auto scheduler = MakeScheduler();
  scheduler->Add("flaky", Cron("* * * * *"), [&] {
    ++count;
    throw std::runtime_error("disk on fire");
  });
  scheduler->Start();
  clock_.Set(At(0, 1));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("flaky") == At(0, 2); }));
  clock_.Set(At(0, 2));
  ASSERT_TRUE(Eventually([&] { return scheduler->NextRun("flaky") == At(0, 3); }));
  scheduler->Stop();
  EXPECT_EQ(count, 2);
  EXPECT_NE(Log().find("[error] scheduler: job flaky failed: disk on fire"), std::string::npos)
      << Log();
}

}  // namespace
}  // namespace cangku::server
