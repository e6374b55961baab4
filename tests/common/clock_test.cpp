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

}  // namespace
}  // namespace dwae
