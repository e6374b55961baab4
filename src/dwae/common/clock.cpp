// SteadyClock reads CLOCK_MONOTONIC through std::chrono::steady_clock; wall time is formatted
// and parsed as ISO 8601 UTC with milliseconds.
#include "dwae/common/clock.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace dwae {

Nanos SteadyClock::now() const {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

std::string format_wall_time(WallTime t) {
  // Floored, so that a time before 1970 has its milliseconds in [0, 999] too.
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const int64_t secs_since_epoch = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  const int millis = static_cast<int>(ms - secs_since_epoch * 1000);
  const auto secs = static_cast<std::time_t>(secs_since_epoch);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

namespace {

// The decimal number in text[at, at + digits), or -1 when a character there is not a digit.
int digits_at(std::string_view text, size_t at, size_t digits) {
  int value = 0;
  for (size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<WallTime> parse_wall_time(std::string_view text) {
  // "YYYY-MM-DDTHH:MM:SS.mmmZ", exactly as format_wall_time writes it.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return std::nullopt;
  for (size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] != 'd' && text[i] != kShape[i]) return std::nullopt;
  }
  const int year = digits_at(text, 0, 4);
  const int month = digits_at(text, 5, 2);
  const int day = digits_at(text, 8, 2);
  const int hour = digits_at(text, 11, 2);
  const int minute = digits_at(text, 14, 2);
  const int second = digits_at(text, 17, 2);
  const int millis = digits_at(text, 20, 3);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || millis < 0) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  // Years 0000..9999 in milliseconds fit int64_t many times over; WallTime (nanoseconds in
  // int64_t) holds only 1677..2262, so the rest is refused rather than overflowing.
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t ms =
      ((days * 24 + hour) * 60 + minute) * int64_t{60'000} + int64_t{second} * 1000 + millis;
  using std::chrono::milliseconds;
  const int64_t lowest = std::chrono::ceil<milliseconds>(WallTime::duration::min()).count();
  const int64_t highest = std::chrono::floor<milliseconds>(WallTime::duration::max()).count();
  if (ms < lowest || ms > highest) return std::nullopt;
  return WallTime{} + std::chrono::duration_cast<WallTime::duration>(milliseconds(ms));
}

}  // namespace dwae
