#pragma once
// The report's plots: a generic line plot (linear or log x axis, linear or "nines" y axis) drawn
// with SvgWriter, and the two kinds the report makes from BenchResults: latency CDFs (one line
// per controller and the service alone) and settings over time (one line per workload).
#include <string>
#include <utility>
#include <vector>

#include "dwae/bench/results.h"

namespace dwae::bench {

struct PlotSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), ascending x
  bool steps = false;                             // hold each y until the next x
  bool dashed = false;
};

enum class AxisScale {
  linear,
  log10,
  nines,  // y = -log10(1 - q) for shares q in [0, 1): 0.9, 0.99, 0.999 evenly spaced
};

struct LinePlot {
  std::string title;
  std::string x_label, y_label;
  AxisScale x_scale = AxisScale::linear;
  AxisScale y_scale = AxisScale::linear;
  std::vector<PlotSeries> series;
};

// An SVG document. Points that cannot be drawn on the axis (x <= 0 on a log axis, non-finite
// values, magnitudes beyond 1e300 or, on a log axis, below 1e-300) are left out; a plot without
// drawable points says so in its body. An axis has at most a dozen labelled ticks.
std::string render_svg(const LinePlot& plot);

// The latency CDF of one service in one scenario: one line per controller (quantiles averaged
// over repetitions at the same share), and the service alone, dashed. Latency in ms, log axis.
LinePlot latency_cdf_plot(const BenchResults& results, const std::string& scenario,
                          const std::string& service);

// One resource over time for one run (the first repetition of `controller` in `scenario`),
// one stepped line per workload.
LinePlot settings_plot(const BenchResults& results, const std::string& scenario,
                       Controller controller, const std::string& resource);

}  // namespace dwae::bench
