#include "server/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>

namespace cangku::server {
namespace {

// "2024-01-31T10:30:00Z", or "never".
std::string FormatUtc(std::optional<Scheduler::TimePoint> t) {
  using namespace std::chrono;
  if (!t) return "never";
  const sys_days day = floor<days>(*t);
  const year_month_day ymd(day);
  const hh_mm_ss time(floor<seconds>(*t - day));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buf;
}

}  // namespace

Scheduler::Scheduler(const Clock& clock, Logger& logger, std::chrono::milliseconds recheck_interval)
    : clock_(clock), logger_(logger), recheck_interval_(recheck_interval) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Add(std::string name, CronSchedule schedule, std::function<void()> job) {
  CANGKU_CHECK(!started_);
  CANGKU_CHECK(
      std::none_of(jobs_.begin(), jobs_.end(), [&](const Job& j) { return j.name == name; }));
  jobs_.push_back(Job{std::move(name), std::move(schedule), std::move(job), std::nullopt});
}

void Scheduler::Start() {
  CANGKU_CHECK(!started_);
  started_ = true;
  const TimePoint now = clock_.Now();
  for (Job& job : jobs_) {
    const std::optional<TimePoint> next = job.schedule.Next(now);
    {
      std::lock_guard lock(mu_);
      job.next = next;
    }
    if (next) {
      logger_.info("scheduler: job {} ({}) first runs at {}", job.name, job.schedule.expression(),
                   FormatUtc(next));
    } else {
      logger_.warn("scheduler: job {} ({}) has no run time within {} years; it will not run",
                   job.name, job.schedule.expression(), CronSchedule::kSearchHorizon.count());
    }
  }
  thread_ = std::jthread([this](std::stop_token stop) { Loop(std::move(stop)); });
}

void Scheduler::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();  // wakes the wait through the stop token
  thread_.join();
}

std::optional<Scheduler::TimePoint> Scheduler::NextRun(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const Job& job : jobs_) {
    if (job.name == name) return job.next;
  }
  return std::nullopt;
}

Scheduler::Job* Scheduler::Earliest() {
  Job* earliest = nullptr;
  for (Job& job : jobs_) {
    if (job.next && (earliest == nullptr || *job.next < *earliest->next)) earliest = &job;
  }
  return earliest;
}

void Scheduler::Loop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    Job* job = Earliest();
    const TimePoint now = clock_.Now();
    if (job != nullptr && *job->next <= now) {
      lock.unlock();
      RunAndReschedule(*job);
      lock.lock();
      continue;
    }
    // Bounded, so that a clock that jumps is read again soon; the real wait until a near run
    // is shorter.
    std::chrono::milliseconds wait = recheck_interval_;
    if (job != nullptr) {
      wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*job->next - now));
    }
    wake_.wait_for(lock, stop, wait, [] { return false; });
  }
}

void Scheduler::RunAndReschedule(Job& job) {
  const TimePoint started = clock_.Now();
  logger_.info("scheduler: job {} started", job.name);
  try {
    job.run();
  } catch (const std::exception& e) {
    logger_.error("scheduler: job {} failed: {}", job.name, e.what());
  } catch (...) {
    logger_.error("scheduler: job {} failed with an unknown exception", job.name);
  }
  const TimePoint finished = clock_.Now();
  const std::optional<TimePoint> next = job.schedule.Next(finished);
  {
    std::lock_guard lock(mu_);
    job.next = next;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(finished - started);
  logger_.info("scheduler: job {} finished in {} ms; next run at {}", job.name, took.count(),
               FormatUtc(next));
}

}  // namespace cangku::server
