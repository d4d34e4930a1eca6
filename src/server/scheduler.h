#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/cron.h"
#include "common/log.h"

namespace cangku::server {

// Runs named jobs at the times of their cron schedules, one job at a time, on one background
// thread, logging each start and end at info level.
//
// The thread reads the time from `clock` and waits on a condition variable for at most
// `recheck_interval` before reading it again, so a jump of the wall clock (or of a fake clock in
// a test) is noticed within that interval. A job's next run is computed from when its previous
// run finished: a job that takes longer than its period runs late once instead of piling up.
// When several jobs are due, the earliest due runs first (ties: the order they were added).
//
// Add, Start and Stop are called from the owning thread; NextRun from any thread.
class Scheduler {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // `clock` and `logger` must outlive the scheduler.
  Scheduler(const Clock& clock, Logger& logger,
            std::chrono::milliseconds recheck_interval = std::chrono::seconds(1));
  // Stops (see Stop).
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Registers `job` to run at the times of `schedule`; `name` names it in logs and NextRun.
  // Only before Start, and names are unique: both are CHECKed. A job that throws has the
  // exception logged and stays scheduled.
  void Add(std::string name, CronSchedule schedule, std::function<void()> job);

  // Computes each job's first run from the clock's current time and starts the thread. Once
  // only (CHECKed); a stopped scheduler does not start again.
  void Start();

  // Interrupts the wait promptly, lets a job that is running finish, and joins the thread. No
  // job starts after Stop returns. Idempotent; a no-op before Start.
  void Stop();

  // When job `name` is due next; while it runs, the time it was due. nullopt for an unknown
  // name, before Start, or when its schedule has no run within CronSchedule::kSearchHorizon of
  // its last run (then it never runs again). Thread-safe.
  std::optional<TimePoint> NextRun(std::string_view name) const;

 private:
  struct Job {
    std::string name;
    CronSchedule schedule;
    std::function<void()> run;
    std::optional<TimePoint> next;  // guarded by mu_
  };

  void Loop(std::stop_token stop);
  // The job due earliest, or nullptr. Requires mu_.
  Job* Earliest();
  // Runs `job` without mu_ held, then sets its next run.
  void RunAndReschedule(Job& job);

  // Constant after construction.
  const Clock& clock_;
  Logger& logger_;
  const std::chrono::milliseconds recheck_interval_;

  // Jobs are added before Start and never removed: the thread reads their name, schedule and
  // run without mu_.
  std::vector<Job> jobs_;
  bool started_ = false;

  mutable std::mutex mu_;
  std::condition_variable_any wake_;  // with the jthread's stop token: Stop interrupts waits
  std::jthread thread_;
};

}  // namespace cangku::server
