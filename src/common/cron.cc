#include "common/cron.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <span>
#include <vector>

#include "common/text.h"

namespace cangku {
namespace {

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] stands for value name_base + i
  int name_base;
  std::string_view name_kind;  // "month name", "weekday name"
};

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

constexpr size_t kDayOfMonthField = 2;
constexpr size_t kDayOfWeekField = 4;
constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, {}, 0, ""},
    {"hour", 0, 23, {}, 0, ""},
    {"day-of-month", 1, 31, {}, 0, ""},
    {"month", 1, 12, kMonthNames, 1, "month name"},
    {"day-of-week", 0, 7, kWeekdayNames, 0, "weekday name"},
}};

struct Macro {
  std::string_view name;
  std::string_view expansion;
};
constexpr std::array<Macro, 7> kMacros = {{
    {"@hourly", "0 * * * *"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},
    {"@monthly", "0 0 1 * *"},
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
}};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// A run of digits for an error message, shortened if absurdly long.
std::string ShowDigits(std::string_view digits) {
  constexpr size_t kMaxShown = 12;
  if (digits.size() <= kMaxShown) return std::string(digits);
  return std::string(digits.substr(0, kMaxShown)) + "...";
}

// A decimal number in [min, max], or nullopt when it is not one (overflow included).
std::optional<int> ParseInRange(std::string_view digits, int min, int max) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

StatusOr<int> ParseValue(const FieldSpec& f, std::string_view token) {
  if (IsDigits(token)) {
    if (auto value = ParseInRange(token, f.min, f.max)) return *value;
    return InvalidArgumentError(
        fmt::format("{}: {} is out of range {}-{}", f.name, ShowDigits(token), f.min, f.max));
  }
  for (size_t i = 0; i < f.names.size(); ++i) {
    if (EqualsIgnoreCase(token, f.names[i])) return f.name_base + static_cast<int>(i);
  }
  if (f.names.empty()) {
    return InvalidArgumentError(
        fmt::format("{}: {} is not a number", f.name, QuoteForMessage(token)));
  }
  return InvalidArgumentError(
      fmt::format("{}: {} is not a number or a {}", f.name, QuoteForMessage(token), f.name_kind));
}

StatusOr<int> ParseStep(const FieldSpec& f, std::string_view token) {
  const int max_step = f.max - f.min + 1;
  if (!IsDigits(token)) {
    return InvalidArgumentError(
        fmt::format("{}: step {} is not a number", f.name, QuoteForMessage(token)));
  }
  if (auto step = ParseInRange(token, 1, max_step)) return *step;
  return InvalidArgumentError(
      fmt::format("{}: step {} is out of range 1-{}", f.name, ShowDigits(token), max_step));
}

// One list element: `*`, `v`, `a-b`, `*/n` or `a-b/n`; sets its values in `mask`.
Status ParseElement(const FieldSpec& f, std::string_view element, uint64_t* mask) {
  std::string_view base = element;
  int step = 1;
  const size_t slash = element.find('/');
  if (slash != std::string_view::npos) {
    base = element.substr(0, slash);
    ASSIGN_OR_RETURN(step, ParseStep(f, element.substr(slash + 1)));
  }
  int low = f.min;
  int high = f.max;
  if (base != "*") {
    const size_t dash = base.find('-');
    ASSIGN_OR_RETURN(low, ParseValue(f, base.substr(0, dash)));
    high = low;
    if (dash != std::string_view::npos) {
      ASSIGN_OR_RETURN(high, ParseValue(f, base.substr(dash + 1)));
      if (low > high)
        return InvalidArgumentError(fmt::format("{}: range {} goes backwards", f.name, base));
    } else if (slash != std::string_view::npos) {
      return InvalidArgumentError(fmt::format("{}: step without a range in {} (use */N or A-B/N)",
                                              f.name, QuoteForMessage(element)));
    }
  }
  for (int v = low; v <= high; v += step) *mask |= uint64_t{1} << v;
  return OkStatus();
}

StatusOr<uint64_t> ParseField(const FieldSpec& f, std::string_view text) {
  uint64_t mask = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string_view element = text.substr(start, comma - start);
    if (element.empty()) {
      return InvalidArgumentError(
          fmt::format("{}: empty list element in {}", f.name, QuoteForMessage(text)));
    }
    RETURN_IF_ERROR(ParseElement(f, element, &mask));
    start = comma + 1;
  }
  return mask;
}

StatusOr<std::string_view> ExpandMacro(std::string_view text) {
  for (const Macro& macro : kMacros) {
    if (EqualsIgnoreCase(text, macro.name)) return macro.expansion;
  }
  return InvalidArgumentError(fmt::format(
      "unknown macro {} (expected @hourly, @daily, @midnight, @weekly, @monthly, @yearly or "
      "@annually)",
      QuoteForMessage(text)));
}

bool Has(uint64_t mask, unsigned value) { return (mask >> value) & 1; }

// The smallest value >= `from` set in `mask`, or -1.
int NextSet(uint64_t mask, int from) {
  const uint64_t rest = mask >> from;
  return rest == 0 ? -1 : from + std::countr_zero(rest);
}

}  // namespace

StatusOr<CronSchedule> CronSchedule::Parse(std::string_view expression) {
  std::string_view text = Trim(expression);
  if (!text.empty() && text.front() == '@') {
    ASSIGN_OR_RETURN(text, ExpandMacro(text));
  }
  const std::vector<std::string_view> fields = SplitWhitespace(text);
  if (fields.size() != kFields.size()) {
    return InvalidArgumentError(fmt::format(
        "expected 5 fields (minute hour day-of-month month day-of-week) or a macro, got {} in {}",
        fields.size(), QuoteForMessage(expression)));
  }
  CronSchedule schedule;
  schedule.expression_ = std::string(expression);
  const std::array<uint64_t*, 5> masks = {&schedule.minutes_, &schedule.hours_,
                                          &schedule.days_of_month_, &schedule.months_,
                                          &schedule.days_of_week_};
  for (size_t i = 0; i < kFields.size(); ++i) {
    ASSIGN_OR_RETURN(*masks[i], ParseField(kFields[i], fields[i]));
  }
  constexpr uint64_t kSunday7 = uint64_t{1} << 7;
  if (schedule.days_of_week_ & kSunday7)
    schedule.days_of_week_ = (schedule.days_of_week_ & ~kSunday7) | 1;
  schedule.day_of_month_star_ = fields[kDayOfMonthField].front() == '*';
  schedule.day_of_week_star_ = fields[kDayOfWeekField].front() == '*';
  return schedule;
}

bool CronSchedule::DayMatches(std::chrono::sys_days day) const {
  const unsigned day_of_month = static_cast<unsigned>(std::chrono::year_month_day(day).day());
  const unsigned day_of_week = std::chrono::weekday(day).c_encoding();
  const bool dom = Has(days_of_month_, day_of_month);
  const bool dow = Has(days_of_week_, day_of_week);
  if (day_of_month_star_ || day_of_week_star_) return dom && dow;
  return dom || dow;
}

bool CronSchedule::Matches(std::chrono::system_clock::time_point t) const {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const hh_mm_ss time(floor<minutes>(t - day));
  return Has(months_, static_cast<unsigned>(year_month_day(day).month())) && DayMatches(day) &&
         Has(hours_, static_cast<unsigned>(time.hours().count())) &&
         Has(minutes_, static_cast<unsigned>(time.minutes().count()));
}

std::optional<std::chrono::system_clock::time_point> CronSchedule::Next(
    std::chrono::system_clock::time_point after) const {
  using namespace std::chrono;
  sys_time<minutes> t = floor<minutes>(after) + minutes(1);
  const sys_time<minutes> limit = t + duration_cast<minutes>(kSearchHorizon);
  // Each step either returns or jumps to the start of the next candidate month, day or hour.
  while (t <= limit) {
    const sys_days day = floor<days>(t);
    const year_month_day ymd(day);
    if (!Has(months_, static_cast<unsigned>(ymd.month()))) {
      t = sys_days((ymd.year() / ymd.month() + months(1)) / 1);
      continue;
    }
    if (!DayMatches(day)) {
      t = day + days(1);
      continue;
    }
    const auto minute_of_day = static_cast<int>((t - day).count());
    const int hour = NextSet(hours_, minute_of_day / 60);
    if (hour < 0) {
      t = day + days(1);
      continue;
    }
    const int minute =
        hour == minute_of_day / 60 ? NextSet(minutes_, minute_of_day % 60) : NextSet(minutes_, 0);
    if (minute < 0) {
      t = day + hours(hour + 1);
      continue;
    }
    return day + hours(hour) + minutes(minute);
  }
  return std::nullopt;
}

}  // namespace cangku
