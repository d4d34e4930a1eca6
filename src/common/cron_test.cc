#include "common/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace cangku {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi) + seconds(s);
}

std::string Show(std::optional<system_clock::time_point> t) {
  using namespace std::chrono;
  if (!t) return "none";
  const sys_days day = floor<days>(*t);
  const year_month_day ymd(day);
  const hh_mm_ss hms(floor<seconds>(*t - day));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return buf;
}

// The next `n` run times of `expression` after `after`, as "YYYY-MM-DD HH:MM" ("none" ends).
std::vector<std::string> Runs(std::string_view expression, system_clock::time_point after,
                              int n = 1) {
  auto schedule = CronSchedule::Parse(expression);
  EXPECT_TRUE(schedule.ok()) << expression << ": " << schedule.status().ToString();
  if (!schedule.ok()) return {"parse error"};
  std::vector<std::string> out;
  std::optional<system_clock::time_point> t = after;
  for (int i = 0; i < n; ++i) {
    t = schedule->Next(*t);
    out.push_back(Show(t));
    if (!t) break;
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(CronScheduleTest, EveryMinuteIsStrictlyAfterAndDropsSeconds) {
  EXPECT_EQ(Runs("* * * * *", At(2024, 1, 1, 10, 0)), Strings{"2024-01-01 10:01"});
  EXPECT_EQ(Runs("* * * * *", At(2024, 1, 1, 10, 0, 59)), Strings{"2024-01-01 10:01"});
  EXPECT_EQ(Runs("* * * * *", At(2024, 1, 1, 10, 0) + std::chrono::milliseconds(1)),
            Strings{"2024-01-01 10:01"});
}

TEST(CronScheduleTest, ListsRangesAndSteps) {
  EXPECT_EQ(
      Runs("5,10-12,50-59/4 10 * * *", At(2024, 1, 1, 9, 0), 8),
      (Strings{"2024-01-01 10:05", "2024-01-01 10:10", "2024-01-01 10:11", "2024-01-01 10:12",
               "2024-01-01 10:50", "2024-01-01 10:54", "2024-01-01 10:58", "2024-01-02 10:05"}));
  EXPECT_EQ(
      Runs("*/20 */6 * * *", At(2024, 1, 1, 0, 30), 4),
      (Strings{"2024-01-01 00:40", "2024-01-01 06:00", "2024-01-01 06:20", "2024-01-01 06:40"}));
  EXPECT_EQ(
      Runs("0 0 1-10/3 * *", At(2024, 1, 1), 4),
      (Strings{"2024-01-04 00:00", "2024-01-07 00:00", "2024-01-10 00:00", "2024-02-01 00:00"}));
  EXPECT_EQ(Runs("7 * * * *", At(2024, 1, 1, 23, 7)), Strings{"2024-01-02 00:07"});
  EXPECT_EQ(Runs("  30\t4   * * *  ", At(2024, 1, 1)), Strings{"2024-01-01 04:30"});
}

TEST(CronScheduleTest, MonthAndWeekdayNamesAnyCase) {
  // 2024-01-01 is a Monday.
  EXPECT_EQ(Runs("0 12 1 jun *", At(2024, 1, 1)), Strings{"2024-06-01 12:00"});
  EXPECT_EQ(Runs("0 0 1 Nov-DEC,feb *", At(2024, 1, 1), 3),
            (Strings{"2024-02-01 00:00", "2024-11-01 00:00", "2024-12-01 00:00"}));
  EXPECT_EQ(Runs("0 0 * * Sat", At(2024, 1, 1)), Strings{"2024-01-06 00:00"});
  EXPECT_EQ(Runs("0 9 * * mon-FRI", At(2024, 1, 5, 10), 2),
            (Strings{"2024-01-08 09:00", "2024-01-09 09:00"}));
  EXPECT_EQ(Runs("0 0 * JAN-MAR/2 *", At(2024, 1, 31), 2),
            (Strings{"2024-03-01 00:00", "2024-03-02 00:00"}));
}

TEST(CronScheduleTest, SundayIsZeroAndSeven) {
  EXPECT_EQ(Runs("0 0 * * 0", At(2024, 1, 1)), Strings{"2024-01-07 00:00"});
  EXPECT_EQ(Runs("0 0 * * 7", At(2024, 1, 1)), Strings{"2024-01-07 00:00"});
  EXPECT_EQ(Runs("0 0 * * SUN", At(2024, 1, 1)), Strings{"2024-01-07 00:00"});
  EXPECT_EQ(
      Runs("0 0 * * 5-7", At(2024, 1, 1), 4),
      (Strings{"2024-01-05 00:00", "2024-01-06 00:00", "2024-01-07 00:00", "2024-01-12 00:00"}));
}

TEST(CronScheduleTest, Macros) {
  const auto t = At(2024, 1, 31, 10, 30);  // a Wednesday
  EXPECT_EQ(Runs("@hourly", t), Strings{"2024-01-31 11:00"});
  EXPECT_EQ(Runs("@daily", t), Strings{"2024-02-01 00:00"});
  EXPECT_EQ(Runs("@midnight", t), Strings{"2024-02-01 00:00"});
  EXPECT_EQ(Runs("@weekly", t), Strings{"2024-02-04 00:00"});
  EXPECT_EQ(Runs("@monthly", t), Strings{"2024-02-01 00:00"});
  EXPECT_EQ(Runs("@yearly", t), Strings{"2025-01-01 00:00"});
  EXPECT_EQ(Runs("@annually", t), Strings{"2025-01-01 00:00"});
  EXPECT_EQ(Runs(" @DAILY ", t), Strings{"2024-02-01 00:00"});
  EXPECT_EQ(CronSchedule::Parse("@weekly")->expression(), "@weekly");
  EXPECT_EQ(CronSchedule::Parse("*/5 * * * *")->expression(), "*/5 * * * *");
}

TEST(CronScheduleTest, AcrossMonthAndYearBoundaries) {
  EXPECT_EQ(Runs("0 0 1 * *", At(2024, 1, 31, 12)), Strings{"2024-02-01 00:00"});
  EXPECT_EQ(Runs("30 23 31 * *", At(2024, 1, 31, 23, 30), 3),
            (Strings{"2024-03-31 23:30", "2024-05-31 23:30", "2024-07-31 23:30"}));
  EXPECT_EQ(Runs("* * * * *", At(2024, 12, 31, 23, 59, 59)), Strings{"2025-01-01 00:00"});
  EXPECT_EQ(Runs("59 23 31 12 *", At(2024, 6, 1), 2),
            (Strings{"2024-12-31 23:59", "2025-12-31 23:59"}));
  EXPECT_EQ(Runs("0 0 * 1 *", At(2024, 2, 1)), Strings{"2025-01-01 00:00"});
}

TEST(CronScheduleTest, LeapDay) {
  EXPECT_EQ(Runs("0 0 29 2 *", At(2023, 1, 1), 3),
            (Strings{"2024-02-29 00:00", "2028-02-29 00:00", "2032-02-29 00:00"}));
  EXPECT_EQ(Runs("0 0 29 2 *", At(2024, 2, 28, 23, 59)), Strings{"2024-02-29 00:00"});
  EXPECT_EQ(Runs("0 0 * 2 *", At(2023, 2, 28)), Strings{"2024-02-01 00:00"});
  EXPECT_EQ(Runs("0 0 28-31 2 *", At(2023, 2, 28), 3),
            (Strings{"2024-02-28 00:00", "2024-02-29 00:00", "2025-02-28 00:00"}));
  // The search horizon: 2100 is not a leap year, and 2104 is more than 5 years away.
  EXPECT_EQ(Runs("0 0 29 2 *", At(2096, 3, 1)), Strings{"none"});
}

TEST(CronScheduleTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // 2024-01-01 is a Monday: Fridays are the 5th, 12th, 19th; the 13th is a Saturday.
  EXPECT_EQ(
      Runs("0 0 13 * FRI", At(2024, 1, 1), 4),
      (Strings{"2024-01-05 00:00", "2024-01-12 00:00", "2024-01-13 00:00", "2024-01-19 00:00"}));
  EXPECT_EQ(Runs("0 0 13 * *", At(2024, 1, 1)), Strings{"2024-01-13 00:00"});
  EXPECT_EQ(Runs("0 0 * * FRI", At(2024, 1, 1), 2),
            (Strings{"2024-01-05 00:00", "2024-01-12 00:00"}));
  // A field starting with '*' is unrestricted (Vixie cron): both must match.
  EXPECT_EQ(Runs("0 0 */2 * FRI", At(2024, 1, 1), 2),
            (Strings{"2024-01-05 00:00", "2024-01-19 00:00"}));
  EXPECT_EQ(Runs("0 0 1 * */7", At(2024, 1, 1), 1), Strings{"2024-09-01 00:00"});
}

TEST(CronScheduleTest, ImpossibleDatesHaveNoNextRun) {
  EXPECT_EQ(Runs("0 0 30 2 *", At(2024, 1, 1)), Strings{"none"});
  EXPECT_EQ(Runs("0 0 31 apr,jun,sep,nov *", At(2024, 1, 1)), Strings{"none"});
  auto schedule = CronSchedule::Parse("0 0 30 2 *");
  ASSERT_TRUE(schedule.ok());
  // The search skips whole months and days: many calls stay cheap.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(schedule->Next(At(2024, 1, 1)).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

// Next against a minute-by-minute scan with Matches, from starts spread over several years.
TEST(CronScheduleTest, NextAgreesWithAMinuteByMinuteScan) {
  const char* expressions[] = {"*/7 3-5 * * *",   "0 0 13 * FRI",      "15 10 28-31 * *",
                               "0 12 */10 * 1-5", "30 2 29 2 *",       "0 0 1 * */7",
                               "45 23 31 * *",    "0 0 * feb,aug sun", "5 4 1-7 * 1"};
  for (const char* expression : expressions) {
    auto schedule = CronSchedule::Parse(expression);
    ASSERT_TRUE(schedule.ok()) << expression;
    for (int start = 0; start < 12; ++start) {
      auto t = At(2023, 1, 1) + std::chrono::hours(24 * 97 * start + 7 * start);
      auto next = schedule->Next(t);
      ASSERT_TRUE(next.has_value()) << expression;
      auto scan = std::chrono::floor<std::chrono::minutes>(t) + std::chrono::minutes(1);
      while (!schedule->Matches(scan)) scan += std::chrono::minutes(1);
      EXPECT_EQ(Show(next), Show(scan)) << expression << " after " << Show(t);
    }
  }
}

struct BadExpression {
  const char* expression;
  const char* message;
};

TEST(CronScheduleTest, ErrorsNameTheFieldAndWhy) {
  const BadExpression cases[] = {
      {"61 * * * *", "minute: 61 is out of range 0-59"},
      {"99999999999999999 * * * *", "minute: 999999999999... is out of range 0-59"},
      {"* 24 * * *", "hour: 24 is out of range 0-23"},
      {"* * 0 * *", "day-of-month: 0 is out of range 1-31"},
      {"* * 32 * *", "day-of-month: 32 is out of range 1-31"},
      {"* * * 13 *", "month: 13 is out of range 1-12"},
      {"* * * 0 *", "month: 0 is out of range 1-12"},
      {"* * * * 8", "day-of-week: 8 is out of range 0-7"},
      {"x * * * *", "minute: \"x\" is not a number"},
      {"-5 * * * *", "minute: \"\" is not a number"},
      {"* * MON * *", "day-of-month: \"MON\" is not a number"},
      {"* * * FOO *", "month: \"FOO\" is not a number or a month name"},
      {"* * * * MONDAY", "day-of-week: \"MONDAY\" is not a number or a weekday name"},
      {"5-3 * * * *", "minute: range 5-3 goes backwards"},
      {"* * * * FRI-MON", "day-of-week: range FRI-MON goes backwards"},
      {"*/0 * * * *", "minute: step 0 is out of range 1-60"},
      {"* */25 * * *", "hour: step 25 is out of range 1-24"},
      {"*/x * * * *", "minute: step \"x\" is not a number"},
      {"*/ * * * *", "minute: step \"\" is not a number"},
      {"5/15 * * * *", "minute: step without a range in \"5/15\" (use */N or A-B/N)"},
      {"1,,2 * * * *", "minute: empty list element in \"1,,2\""},
      {"1, * * * *", "minute: empty list element in \"1,\""},
      {"* * * *",
       "expected 5 fields (minute hour day-of-month month day-of-week) or a macro, got 4 in "
       "\"* * * *\""},
      {"* * * * * *",
       "expected 5 fields (minute hour day-of-month month day-of-week) or a macro, got 6 in "
       "\"* * * * * *\""},
      {"",
       "expected 5 fields (minute hour day-of-month month day-of-week) or a macro, got 0 in "
       "\"\""},
      {"@reboot",
       "unknown macro \"@reboot\" (expected @hourly, @daily, @midnight, @weekly, @monthly, "
       "@yearly or @annually)"},
  };
  for (const BadExpression& bad : cases) {
    auto schedule = CronSchedule::Parse(bad.expression);
    ASSERT_FALSE(schedule.ok()) << bad.expression;
    EXPECT_EQ(schedule.status().code(), StatusCode::kInvalidArgument) << bad.expression;
    EXPECT_EQ(schedule.status().message(), bad.message) << bad.expression;
  }
}

}  // namespace
}  // namespace cangku
