#include "dwae/bench/svg.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "dwae/bench/plots.h"
#include "dwae/bench/report.h"
#include "dwae/bench/results_json.h"
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

// XML 1.0 has no U+FFFE, U+FFFF, surrogates or C0 controls but tab, newline and CR: a name
// carrying them must not make a document xmllint (or a browser) refuses.
TEST(Svg, CharactersXmlForbidsAreReplaced) {
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE|\xEF\xBF\xBF"), "\xEF\xBF\xBD|\xEF\xBF\xBD");  // FFFE, FFFF
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD");                  // lone D800, one sequence
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD");                      // overlong "/"
  EXPECT_EQ(xml_escape("cut \xE2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");  // truncated
  EXPECT_EQ(xml_escape(std::string{'a', '\x01', 'b', '\x1f', 'c', '\x7f'}), "abc\x7f");
  // Characters XML allows pass unchanged: e-acute, euro, U+FFFD itself, an emoji.
  const std::string allowed = "\xC3\xA9 \xE2\x82\xAC \xEF\xBF\xBD \xF0\x9F\x98\x80 \t\n";
  EXPECT_EQ(xml_escape(allowed), allowed);

  // The published results of 2026-11-26 with the first run's service named <b>&"\x01\uFFFE;
  // its CDF plot names it in the legend.
  auto results = results_from_json(
      test::read_text(std::string(DWAE_SOURCE_DIR) + "/docs/bench/2026-11-26/results.json"));
  ASSERT_TRUE(results.ok()) << results.error().message;
  results->runs[0].services[0].name = "<b>&\"\x01\xEF\xBF\xBE";
  results = results_from_json(results_to_json(*results));
  ASSERT_TRUE(results.ok()) << results.error().message;
  const std::string weird = results->runs[0].services[0].name;
  ASSERT_NE(weird.find("\xEF\xBF\xBE"), std::string::npos);
  SvgWriter svg(200, 100);
  svg.text(10, 50, weird, 12);
  const std::string doc = svg.str();
  EXPECT_NE(doc.find("&lt;b&gt;&amp;&quot;\xEF\xBF\xBD</text>"), std::string::npos) << doc;
  expect_well_formed(doc);

  // Every plot of the report made from that file.
  test::TempDir dir;
  ReportOptions options;
  options.compare_with_simulator = false;
  auto files = write_report(*results, dir.path(), options);
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_FALSE(files->plots.empty());
  for (const auto& plot : files->plots) expect_well_formed(test::read_text(plot.string()));
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

// Text of the tick labels on one axis: the x axis labels are centred, the y axis ones end at
// the axis.
std::vector<std::string> tick_labels(const std::string& doc, const std::string& anchor) {
  std::vector<std::string> out;
  const std::string marker = "font-size=\"11.00\" text-anchor=\"" + anchor + "\">";
  for (auto at = doc.find(marker); at != std::string::npos; at = doc.find(marker, at + 1)) {
    const auto begin = at + marker.size();
    out.push_back(doc.substr(begin, doc.find('<', begin) - begin));
  }
  return out;
}

// Whatever the values, an axis ends with a bounded number of distinct ticks and the document
// holds only finite coordinates. Two values 16384 apart near -1e20 once made the tick loop
// run forever (the step was below the spacing of doubles there).
TEST(Plots, AxesAreBoundedWhateverTheValues) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kMax = std::numeric_limits<double>::max();
  constexpr double kTiny = std::numeric_limits<double>::denorm_min();
  const std::vector<std::vector<double>> value_sets = {{-1e20, -1e20 + 16384},
                                                       {1e20, 1e20 + 16384},
                                                       {-1e20, -1e20},
                                                       {-9e19, -9e19 + 1},
                                                       {-1e300, 1e300},
                                                       {-kMax, kMax, 1},
                                                       {0, kTiny},
                                                       {-kTiny, kTiny},
                                                       {kInf, kNaN, -kInf, 3},
                                                       {1e-300, 1e300},
                                                       {kTiny, kMax},
                                                       {-5, -5},
                                                       {7, 7},
                                                       {0.001, 0.0010001},
                                                       {-1e-250, 0}};
  for (const AxisScale scale : {AxisScale::linear, AxisScale::log10}) {
    for (const auto& values : value_sets) {
      for (const bool on_x : {false, true}) {
        LinePlot plot;
        plot.title = "t";
        (on_x ? plot.x_scale : plot.y_scale) = scale;
        PlotSeries series{"w", {}, true, false};
        for (std::size_t i = 0; i < values.size(); ++i) {
          const double index = static_cast<double>(i) + 1;
          series.points.emplace_back(on_x ? values[i] : index, on_x ? index : values[i]);
        }
        plot.series = {series};
        const std::string doc = render_svg(plot);
        const std::string what = std::string(on_x ? "x" : "y") +
                                 (scale == AxisScale::log10 ? " log " : " linear ") +
                                 std::to_string(values[0]) + " .. " + std::to_string(values.back());
        EXPECT_EQ(doc.find("nan"), std::string::npos) << what;
        EXPECT_EQ(doc.find("inf"), std::string::npos) << what;
        EXPECT_LE(count(doc, "stroke=\"#dddddd\""), 30) << what;  // grid lines: both axes
        for (const char* anchor : {"middle", "end"}) {
          const auto labels = tick_labels(doc, anchor);
          EXPECT_GE(labels.size(), 2u) << what;
          EXPECT_LE(labels.size(), 11u) << what;
          EXPECT_EQ(std::set<std::string>(labels.begin(), labels.end()).size(), labels.size())
              << what << ": " << testing::PrintToString(labels);
        }
        expect_well_formed(doc);
      }
    }
  }
}

// A value the axes cannot hold is left out like a non-finite one; the rest is drawn.
TEST(Plots, ValuesBeyondTheDrawableRangeAreLeftOut) {
  LinePlot plot;
  plot.title = "t";
  plot.series = {{"w", {{0, 1}, {1, 1e301}, {2, 3}}, false, false}};
  const std::string doc = render_svg(plot);
  const auto points = doc.find("points=\"");
  ASSERT_NE(points, std::string::npos);
  const auto end = doc.find('"', points + 8);
  EXPECT_EQ(count(doc.substr(points, end - points), ","), 2);
  EXPECT_EQ(doc.find("no data"), std::string::npos);
}

}  // namespace
}  // namespace dwae::bench
