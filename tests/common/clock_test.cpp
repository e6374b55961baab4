#include "dwae/common/clock.h"

#include <gtest/gtest.h>

namespace dwae {
namespace {

using std::chrono::milliseconds;

TEST(WallTime, FormatsIso8601UtcWithMillisecondsAndParsesItBack) {
  const WallTime t = WallTime{} + milliseconds(1'764'150'774'123);  // 2025-11-26T09:52:54.123Z
  EXPECT_EQ(format_wall_time(t), "2025-11-26T09:52:54.123Z");
  const auto back = parse_wall_time(format_wall_time(t));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, t);
  EXPECT_EQ(format_wall_time(WallTime{}), "1970-01-01T00:00:00.000Z");
}

TEST(WallTime, RefusesOtherForms) {
  EXPECT_FALSE(parse_wall_time("").has_value());
  EXPECT_FALSE(parse_wall_time("2025-11-26 09:52:54").has_value());
  EXPECT_FALSE(parse_wall_time("2025-11-26T09:52:54Z").has_value());  // no milliseconds
  EXPECT_FALSE(parse_wall_time("yesterday").has_value());
}

// Only the exact form, with every field in range: no signs, spaces or missing digits where
// sscanf would take them, no day or hour that timegm would roll over.
TEST(WallTime, RefusesFieldsOutOfRangeOrOutOfShape) {
  ASSERT_TRUE(parse_wall_time("2026-11-26T21:00:00.000Z").has_value());
  for (const char* text :
       {"2026-11-26T21:00:00.-99Z",  // a negative millisecond
        "2026-11-26T21:00:00.99Z",   // two digits of milliseconds
        "2026-11-26T21:00:00.0000Z", "2026-13-01T00:00:00.000Z", "2026-00-01T00:00:00.000Z",
        "2026-11-00T00:00:00.000Z", "2026-11-31T00:00:00.000Z", "2025-02-29T00:00:00.000Z",
        "2026-11-26T24:00:00.000Z", "2026-11-26T23:60:00.000Z", "2026-11-26T23:59:60.000Z",
        "+026-11-26T21:00:00.000Z", " 2026-11-26T21:00:00.000Z", "2026-1-026T21:00:00.000Z",
        "2026-11-26T21:00:00.000Zjunk", "2026-11-26T21:00:00.000z", "2026/11/26T21:00:00.000Z"}) {
    EXPECT_FALSE(parse_wall_time(text).has_value()) << text;
  }
  EXPECT_TRUE(parse_wall_time("2024-02-29T00:00:00.000Z").has_value());  // a leap day
}

// WallTime counts nanoseconds in int64_t: 1677-09-21 to 2262-04-11. A time past either end is
// refused, not overflowed into some other time.
TEST(WallTime, RefusesTimesThatWallTimeCannotHold) {
  EXPECT_FALSE(parse_wall_time("9999-12-31T23:59:59.999Z").has_value());
  EXPECT_FALSE(parse_wall_time("0000-01-01T00:00:00.000Z").has_value());
  EXPECT_FALSE(parse_wall_time("2262-04-11T23:47:16.855Z").has_value());
  EXPECT_FALSE(parse_wall_time("1677-09-21T00:12:43.145Z").has_value());
  const auto latest = parse_wall_time("2262-04-11T23:47:16.854Z");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->time_since_epoch(), std::chrono::nanoseconds(9'223'372'036'854'000'000));
  EXPECT_EQ(format_wall_time(*latest), "2262-04-11T23:47:16.854Z");
  const auto earliest = parse_wall_time("1677-09-21T00:12:43.146Z");
  ASSERT_TRUE(earliest.has_value());
  EXPECT_EQ(format_wall_time(*earliest), "1677-09-21T00:12:43.146Z");
}

TEST(WallTime, TimesBefore1970RoundTrip) {
  const WallTime t = WallTime{} - milliseconds(1);
  EXPECT_EQ(format_wall_time(t), "1969-12-31T23:59:59.999Z");
  const auto back = parse_wall_time("1969-12-31T23:59:59.999Z");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, t);
}

}  // namespace
}  // namespace dwae
