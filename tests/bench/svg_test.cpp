#include "dwae/bench/svg.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "dwae/bench/plots.h"
#include "support/temp_dir.h"

namespace dwae::bench {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// xmllint (libxml2-utils, installed by scripts/setup) parses the document; exit status 0 means
// well-formed XML.
void expect_well_formed(const std::string& svg) {
  test::TempDir dir;
  dir.write("plot.svg", svg);
  const std::string command = "xmllint --noout '" + dir.path() + "/plot.svg' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << svg;
}

TEST(Svg, EscapesTextAndAttributes) {
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  EXPECT_EQ(xml_escape(std::string("bell\x07tab\t")), "belltab\t");
}

TEST(Svg, WriterMakesWellFormedDocuments) {
  SvgWriter svg(200, 100);
  svg.line(0, 0, 10, 10, {"#000000", 1, ""});
  svg.polyline({{0, 0}, {5, 5}, {10, 0}}, {"red\"><x", 2, "4,2"});
  svg.rect(1, 1, 50, 20, "none", {});
  svg.text(10, 50, "<redis & co>", 12, SvgWriter::Anchor::middle, -90);
  const std::string doc = svg.str();
  EXPECT_EQ(count(doc, "<polyline"), 1);
  EXPECT_NE(doc.find("&lt;redis &amp; co&gt;"), std::string::npos);
  EXPECT_NE(doc.find("rotate(-90.00 10.00 50.00)"), std::string::npos);
  expect_well_formed(doc);
}

TEST(Plots, LogAxisLeavesOutWhatItCannotDraw) {
  LinePlot plot;
  plot.title = "t";
  plot.x_scale = AxisScale::log10;
  plot.y_scale = AxisScale::nines;
  plot.series = {{"a", {{0.0, 0.5}, {0.1, 0.5}, {1.0, 0.99}, {10.0, 1.0}}, false, false}};
  const std::string doc = render_svg(plot);
  // Only (0.1, 0.5) and (1, 0.99) are drawable: x = 0 has no log, q = 1 has no nines.
  const auto points = doc.find("points=\"");
  ASSERT_NE(points, std::string::npos);
  const auto end = doc.find('"', points + 8);
  EXPECT_EQ(count(doc.substr(points, end - points), ","), 2);
  EXPECT_NE(doc.find(">0.99<"), std::string::npos);  // a nines tick
  expect_well_formed(doc);

  LinePlot empty;
  empty.title = "nothing";
  EXPECT_NE(render_svg(empty).find("no data"), std::string::npos);
  expect_well_formed(render_svg(empty));
}

BenchResults cdf_results() {
  BenchResults r;
  r.scenarios = {"s"};
  r.controllers = {Controller::none, Controller::feedback};
  ServiceRun alone;
  alone.name = "redis";
  alone.cdf = {{0.5, 0.0001}, {0.99, 0.0002}};
  r.alone = {{"s", {alone}}};
  for (int rep = 0; rep < 2; ++rep) {
    for (auto c : r.controllers) {
      Run run;
      run.scenario = "s";
      run.controller = c;
      run.repetition = rep;
      run.duration_s = 10;
      ServiceRun s;
      s.name = "redis";
      const double scale = (c == Controller::none ? 10 : 1) * (rep + 1);
      s.cdf = {{0.5, 0.0001 * scale}, {0.99, 0.0002 * scale}};
      run.services = {s};
      if (c == Controller::feedback) {
        run.weights = {{0.0, "redis", "cpu.weight", 100},
                       {2.0, "redis", "cpu.weight", 400},
                       {1.0, "hogs", "cpu.weight", 10},
                       {1.0, "hogs", "memory.high", 1e9}};
      }
      r.runs.push_back(run);
    }
  }
  return r;
}

TEST(Plots, LatencyCdfHasALinePerControllerAndAlone) {
  const LinePlot plot = latency_cdf_plot(cdf_results(), "s", "redis");
  ASSERT_EQ(plot.series.size(), 3u);
  EXPECT_EQ(plot.series[0].name, "none");
  EXPECT_EQ(plot.series[1].name, "feedback");
  EXPECT_EQ(plot.series[2].name, "alone");
  EXPECT_TRUE(plot.series[2].dashed);
  // Quantiles averaged over the two repetitions (1x and 2x): 1.5x, in ms.
  ASSERT_EQ(plot.series[1].points.size(), 2u);
  EXPECT_NEAR(plot.series[1].points[0].first, 0.15, 1e-12);
  EXPECT_NEAR(plot.series[1].points[1].first, 0.3, 1e-12);
  EXPECT_DOUBLE_EQ(plot.series[1].points[1].second, 0.99);
  EXPECT_NEAR(plot.series[0].points[1].first, 3.0, 1e-12);
  EXPECT_EQ(plot.x_scale, AxisScale::log10);
  const std::string doc = render_svg(plot);
  EXPECT_EQ(count(doc, "<polyline"), 3);
  EXPECT_EQ(count(doc, "stroke-dasharray"), 2);
  expect_well_formed(doc);
}

TEST(Plots, SettingsOverTimeStepPerWorkload) {
  const LinePlot plot = settings_plot(cdf_results(), "s", Controller::feedback, "cpu.weight");
  ASSERT_EQ(plot.series.size(), 2u);
  EXPECT_EQ(plot.series[0].name, "hogs");
  EXPECT_EQ(plot.series[1].name, "redis");
  EXPECT_TRUE(plot.series[1].steps);
  // Sorted by time and held until the end of the run.
  ASSERT_EQ(plot.series[1].points.size(), 3u);
  EXPECT_DOUBLE_EQ(plot.series[1].points[1].second, 400);
  EXPECT_DOUBLE_EQ(plot.series[1].points[2].first, 10);
  expect_well_formed(render_svg(plot));
  EXPECT_TRUE(settings_plot(cdf_results(), "s", Controller::rule, "cpu.weight").series.empty());
}

}  // namespace
}  // namespace dwae::bench
