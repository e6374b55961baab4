// Plot layout is fixed (720 x 440 px, legend on the right) so that every plot of a report looks
// the same next to the others in docs.
#include "dwae/bench/plots.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "dwae/bench/svg.h"

namespace dwae::bench {
namespace {

constexpr double kWidth = 720, kHeight = 440;
constexpr double kLeft = 70, kRight = 180, kTop = 40, kBottom = 55;
constexpr std::array<const char*, 8> kColours = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                                 "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr double kMaxNines = 4;  // 0.9999: beyond what a bench run measures reliably

// Values beyond this magnitude (or, on a log axis, below its inverse) are not drawn: spans,
// steps and the outward rounding of the axis ends must stay finite, and no measured quantity
// comes near it.
constexpr double kMaxDrawable = 1e300;
// At most this many intervals between labelled ticks on an axis (a linear axis gets 2 to 7).
constexpr double kMaxTickIntervals = 10;

double transform(double v, AxisScale scale) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  switch (scale) {
    case AxisScale::linear:
      return std::abs(v) <= kMaxDrawable ? v : kNaN;
    case AxisScale::log10:
      return v >= 1 / kMaxDrawable && v <= kMaxDrawable ? std::log10(v) : kNaN;
    case AxisScale::nines:
      if (!(v >= 0 && v < 1)) return kNaN;
      return std::min(kMaxNines, -std::log10(1 - v));
  }
  return v;
}

std::string label_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

struct Tick {
  double at;  // transformed value
  std::string label;
};

struct Axis {
  double lo = 0, hi = 1;  // transformed
  std::vector<Tick> ticks;
};

double nice_step(double range, int target_ticks) {
  const double raw = range / target_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

// Ticks are computed from their index, never by adding a step to the previous one, so that
// their number is bounded whatever the values; lo and hi must be finite (render_svg keeps only
// drawable points).
Axis make_axis(double lo, double hi, AxisScale scale) {
  Axis a;
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (scale == AxisScale::log10) {
    a.lo = std::floor(lo);
    a.hi = std::max(a.lo + 1, std::ceil(hi));
    // Up to 600 decades: label every decade_step-th one.
    const double decade_step = std::ceil((a.hi - a.lo) / kMaxTickIntervals);
    const double decades = std::ceil((a.hi - a.lo) / decade_step);
    a.hi = a.lo + decades * decade_step;
    const bool dense = a.hi - a.lo <= 2;
    for (double i = 0; i <= decades; ++i) {
      const double d = a.lo + i * decade_step;
      a.ticks.push_back({d, label_number(std::pow(10.0, d))});
      if (dense && i < decades) {
        for (double m : {2.0, 5.0}) a.ticks.push_back({d + std::log10(m), ""});
      }
    }
    return a;
  }
  if (scale == AxisScale::nines) {
    a.lo = 0;
    a.hi = std::clamp(std::ceil(hi), 1.0, kMaxNines);
    for (double k = 0; k <= a.hi; ++k) {
      a.ticks.push_back({k, k == 0 ? "0" : label_number(1 - std::pow(10.0, -k))});
    }
    return a;
  }
  if (lo >= 0) lo = 0;  // amounts and times read best from zero
  if (hi <= lo) hi = lo + 1;
  // The span is at least 1e-4 of the values' magnitude, so that a step (a fifth of the span or
  // more) is far above the spacing of doubles there and adjacent labels (6 significant digits)
  // differ; and at least 1e-300, so that the step is a normal double.
  const double magnitude = std::max(std::abs(lo), std::abs(hi));
  hi = std::max(hi, lo + std::max(magnitude * 1e-4, 1 / kMaxDrawable));
  const double step = nice_step(hi - lo, 5);
  a.lo = std::floor(lo / step) * step;
  a.hi = std::ceil(hi / step) * step;
  const double steps = std::min(std::round((a.hi - a.lo) / step), kMaxTickIntervals);
  for (double i = 0; i <= steps; ++i) {
    const double v = a.lo + i * step;
    a.ticks.push_back({v, label_number(std::abs(v) < step / 1e6 ? 0 : v)});
  }
  return a;
}

}  // namespace

std::string render_svg(const LinePlot& plot) {
  // Transformed, drawable points per series.
  std::vector<std::vector<std::pair<double, double>>> points(plot.series.size());
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (std::size_t s = 0; s < plot.series.size(); ++s) {
    for (const auto& [x, y] : plot.series[s].points) {
      const double tx = transform(x, plot.x_scale), ty = transform(y, plot.y_scale);
      if (!std::isfinite(tx) || !std::isfinite(ty)) continue;
      points[s].emplace_back(tx, ty);
      x_lo = std::min(x_lo, tx);
      x_hi = std::max(x_hi, tx);
      y_lo = std::min(y_lo, ty);
      y_hi = std::max(y_hi, ty);
    }
  }
  const bool empty = !std::isfinite(x_lo);
  if (empty) x_lo = y_lo = 0, x_hi = y_hi = 1;
  const Axis xa = make_axis(x_lo, x_hi, plot.x_scale);
  const Axis ya = make_axis(y_lo, y_hi, plot.y_scale);

  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double tx) { return kLeft + (tx - xa.lo) / (xa.hi - xa.lo) * pw; };
  auto py = [&](double ty) { return kTop + ph - (ty - ya.lo) / (ya.hi - ya.lo) * ph; };

  SvgWriter svg(kWidth, kHeight);
  svg.text(kWidth / 2, 22, plot.title, 15, SvgWriter::Anchor::middle);
  const SvgStroke grid{"#dddddd", 1, ""};
  const SvgStroke axis{"#333333", 1, ""};
  for (const auto& t : xa.ticks) {
    svg.line(px(t.at), kTop, px(t.at), kTop + ph, grid);
    if (!t.label.empty()) {
      svg.text(px(t.at), kTop + ph + 16, t.label, 11, SvgWriter::Anchor::middle);
    }
  }
  for (const auto& t : ya.ticks) {
    svg.line(kLeft, py(t.at), kLeft + pw, py(t.at), grid);
    if (!t.label.empty()) svg.text(kLeft - 6, py(t.at) + 4, t.label, 11, SvgWriter::Anchor::end);
  }
  svg.rect(kLeft, kTop, pw, ph, "none", axis);
  svg.text(kLeft + pw / 2, kHeight - 14, plot.x_label, 12, SvgWriter::Anchor::middle);
  svg.text(18, kTop + ph / 2, plot.y_label, 12, SvgWriter::Anchor::middle, -90);
  if (empty) svg.text(kLeft + pw / 2, kTop + ph / 2, "no data", 14, SvgWriter::Anchor::middle);

  for (std::size_t s = 0; s < plot.series.size(); ++s) {
    const PlotSeries& series = plot.series[s];
    const SvgStroke stroke{kColours[s % kColours.size()], 2, series.dashed ? "6,4" : ""};
    std::vector<std::pair<double, double>> line;
    for (std::size_t i = 0; i < points[s].size(); ++i) {
      const auto [tx, ty] = points[s][i];
      if (series.steps && i > 0) line.emplace_back(px(tx), line.back().second);
      line.emplace_back(px(tx), py(ty));
    }
    if (series.steps && !line.empty()) line.emplace_back(px(xa.hi), line.back().second);
    svg.polyline(line, stroke);
    const double ly = kTop + 10 + static_cast<double>(s) * 18;
    svg.line(kLeft + pw + 12, ly, kLeft + pw + 36, ly, stroke);
    svg.text(kLeft + pw + 42, ly + 4, series.name, 11);
  }
  return svg.str();
}

namespace {

// Latency (s) at share q of a CDF given as ascending points, interpolated linearly in q.
double latency_at(const std::vector<Quantile>& cdf, double q) {
  if (cdf.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (q <= cdf.front().q) return cdf.front().seconds;
  for (std::size_t i = 1; i < cdf.size(); ++i) {
    if (q <= cdf[i].q) {
      const double span = cdf[i].q - cdf[i - 1].q;
      const double f = span > 0 ? (q - cdf[i - 1].q) / span : 1;
      return cdf[i - 1].seconds + f * (cdf[i].seconds - cdf[i - 1].seconds);
    }
  }
  return cdf.back().seconds;
}

const ServiceRun* find_service(const std::vector<ServiceRun>& services, const std::string& name) {
  for (const auto& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::pair<double, double>> cdf_points_ms(const std::vector<Quantile>& cdf) {
  std::vector<std::pair<double, double>> out;
  out.reserve(cdf.size());
  for (const auto& q : cdf) out.emplace_back(q.seconds * 1e3, q.q);
  return out;
}

}  // namespace

LinePlot latency_cdf_plot(const BenchResults& results, const std::string& scenario,
                          const std::string& service) {
  LinePlot plot;
  plot.title = scenario + ": " + service + " latency";
  plot.x_label = "latency (ms, log scale)";
  plot.y_label = "share of requests at or below (0.99 = P99)";
  plot.x_scale = AxisScale::log10;
  plot.y_scale = AxisScale::nines;
  for (Controller c : results.controllers) {
    std::vector<const std::vector<Quantile>*> cdfs;
    for (const auto& run : results.runs) {
      if (run.scenario != scenario || run.controller != c) continue;
      const ServiceRun* s = find_service(run.services, service);
      if (s != nullptr && !s->cdf.empty()) cdfs.push_back(&s->cdf);
    }
    if (cdfs.empty()) continue;
    // Quantile averaging: at each share of the first run's grid, the mean latency over runs.
    PlotSeries series;
    series.name = std::string(to_string(c));
    for (const auto& point : *cdfs.front()) {
      double sum = 0;
      for (const auto* cdf : cdfs) sum += latency_at(*cdf, point.q);
      series.points.emplace_back(sum / static_cast<double>(cdfs.size()) * 1e3, point.q);
    }
    plot.series.push_back(std::move(series));
  }
  for (const auto& alone : results.alone) {
    if (alone.scenario != scenario) continue;
    const ServiceRun* s = find_service(alone.services, service);
    if (s == nullptr || s->cdf.empty()) continue;
    plot.series.push_back({"alone", cdf_points_ms(s->cdf), false, true});
  }
  return plot;
}

LinePlot settings_plot(const BenchResults& results, const std::string& scenario,
                       Controller controller, const std::string& resource) {
  LinePlot plot;
  plot.title = scenario + ": " + resource + " under " + std::string(to_string(controller));
  plot.x_label = "time since the load started (s)";
  plot.y_label = resource;
  const Run* chosen = nullptr;
  for (const auto& run : results.runs) {
    if (run.scenario != scenario || run.controller != controller) continue;
    if (chosen == nullptr || run.repetition < chosen->repetition) chosen = &run;
  }
  if (chosen == nullptr) return plot;
  std::map<std::string, std::vector<std::pair<double, double>>> by_workload;
  for (const auto& w : chosen->weights) {
    if (w.resource == resource) by_workload[w.workload].emplace_back(w.t_s, w.value);
  }
  for (auto& [workload, points] : by_workload) {
    std::stable_sort(points.begin(), points.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    if (chosen->duration_s > points.back().first) {
      points.emplace_back(chosen->duration_s, points.back().second);
    }
    plot.series.push_back({workload, std::move(points), true, false});
  }
  return plot;
}

}  // namespace dwae::bench
