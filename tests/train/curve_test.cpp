// The learning curve survives a CSV round trip (resumption rebuilds it from there) and its plot
// is an SVG with both lines.
#include "dwae/train/curve.h"

#include <gtest/gtest.h>

namespace dwae::train {
namespace {

CurveRow row(size_t i, std::optional<double> eval) {
  CurveRow r;
  r.iteration = i;
  r.episodes = 8 * i;
  r.host_ticks = 2400 * i;
  r.samples = 20000 * i;
  r.simulated_seconds = 480.0 * static_cast<double>(i);
  r.wall_seconds = 1.5 * static_cast<double>(i);
  r.mean_episode_reward = -10.0 + static_cast<double>(i);
  r.eval_reward = eval;
  r.terms.tail = 0.125;
  r.terms.utilisation = 0.5;
  r.action_std = 0.4;
  return r;
}

TEST(Curve, CsvRoundTrip) {
  for (const auto& r : {row(3, std::nullopt), row(4, -2.5)}) {
    const std::string line = curve_csv_row(r);
    auto back = parse_curve_csv_row(line);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->iteration, r.iteration);
    EXPECT_EQ(back->host_ticks, r.host_ticks);
    EXPECT_EQ(back->mean_episode_reward, r.mean_episode_reward);
    EXPECT_EQ(back->eval_reward, r.eval_reward);
    EXPECT_EQ(back->terms.tail, r.terms.tail);
    EXPECT_EQ(back->action_std, r.action_std);
    EXPECT_EQ(curve_csv_row(*back), line);
  }
  EXPECT_FALSE(parse_curve_csv_row("1,2,3").ok());
  EXPECT_FALSE(parse_curve_csv_row(std::string(24, ',')).ok());
}

TEST(Curve, SvgHasBothLinesAndEscapesTheTitle) {
  const std::string svg = curve_svg({row(1, std::nullopt), row(2, -7.0), row(3, -6.0)}, "a<b");
  EXPECT_EQ(svg.rfind("<svg", 0), 0U);
  EXPECT_NE(svg.find("a&lt;b"), std::string::npos);
  size_t lines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos;
       at = svg.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2U);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace dwae::train
