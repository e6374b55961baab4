#include "dwae/bench/results.h"

#include <gtest/gtest.h>

namespace dwae::bench {
namespace {

TEST(BenchResults, ControllerNamesRoundTrip) {
  for (auto c : {Controller::none, Controller::static_best, Controller::rule, Controller::feedback,
                 Controller::ppo}) {
    auto parsed = parse_controller(to_string(c));
    ASSERT_TRUE(parsed.has_value()) << to_string(c);
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(to_string(Controller::static_best), "static-best");
  EXPECT_FALSE(parse_controller("pid").has_value());
  EXPECT_FALSE(parse_controller("").has_value());
}

}  // namespace
}  // namespace dwae::bench
