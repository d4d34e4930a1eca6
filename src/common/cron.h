#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cangku {

// A parsed standard 5-field cron expression, "minute hour day-of-month month day-of-week", in
// UTC. Each field is `*`, a value, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of
// these. Months may be named JAN-DEC and weekdays SUN-SAT (case-insensitive); weekday 0 and 7
// are both Sunday. The macros @hourly, @daily (= @midnight), @weekly, @monthly and @yearly
// (= @annually) stand for the usual expressions.
//
// Day-of-month and day-of-week follow Vixie cron: when both fields are restricted, a day
// matches if either field matches; otherwise both must. As in Vixie cron, a field counts as
// unrestricted when it starts with `*`, so "*/2" is unrestricted here.
//
// Immutable after Parse; copyable; thread-safe.
class CronSchedule {
 public:
  // Errors: kInvalidArgument naming the bad field and why ("minute: 61 is out of range 0-59").
  static StatusOr<CronSchedule> Parse(std::string_view expression);

  // The first matching minute strictly after `after` (seconds are dropped), searching at most
  // kSearchHorizon ahead; nullopt if there is none (e.g. "0 0 30 2 *").
  std::optional<std::chrono::system_clock::time_point> Next(
      std::chrono::system_clock::time_point after) const;

  // Whether the minute containing `t` is one the schedule runs at.
  bool Matches(std::chrono::system_clock::time_point t) const;

  // The expression as given to Parse.
  const std::string& expression() const { return expression_; }

  // About 5 years. A Feb 29 schedule asked from March 2096 finds nothing (2100 is not a leap
  // year), an accepted cost of bounding the search for impossible dates.
  static constexpr std::chrono::years kSearchHorizon{5};

 private:
  CronSchedule() = default;

  bool DayMatches(std::chrono::sys_days day) const;

  std::string expression_;
  // Bit i set when value i is allowed.
  uint64_t minutes_ = 0;
  uint64_t hours_ = 0;
  uint64_t days_of_month_ = 0;
  uint64_t months_ = 0;
  uint64_t days_of_week_ = 0;  // bit 0 = Sunday
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
};

}  // namespace cangku
