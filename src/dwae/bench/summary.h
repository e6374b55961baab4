#pragma once
// The numbers the bench report is made of, computed from BenchResults alone (pure functions):
// per scenario and controller, over repetitions, latency as a ratio to the service alone,
// best-effort work conservation, an isolation score, their spread, and the goal verdicts.
//
// Definitions (docs/benchmark.md explains them):
//   latency ratio       = the service's P50/P99/P99.9 in the run / the same quantile alone
//   work conservation   = a best-effort tenant's work per second in the run / its mean work per
//                         second over the `none` runs of the scenario; a run's work conservation
//                         is the mean over its best-effort tenants
//   isolation score     = sqrt(L x W), L = geometric mean over services of min(1, alone P99 /
//                         P99), W = min(1, work conservation); 1 is perfect, 0 is a service that
//                         did not answer or best-effort work that stopped. A scenario without
//                         best-effort tenants scores L, one without services W. A run with a
//                         service lacking its alone value or a tenant lacking its `none`
//                         reference (or its own work figure) has no score.
//   goal                = every service's mean P99 ratio <= 1.2 and mean work conservation
//                         >= 0.8 (the goal at 1:4 oversubscription)
#include <optional>
#include <string>
#include <vector>

#include "dwae/bench/results.h"

namespace dwae::bench {

inline constexpr double kGoalP99Ratio = 1.2;
inline constexpr double kGoalWorkConservation = 0.8;

// Mean, extremes and sample standard deviation of one quantity over repetitions. Non-finite
// values (a service that answered nothing) make the mean non-finite and count in n.
struct Spread {
  double mean = 0, min = 0, max = 0, stddev = 0;
  int n = 0;
  bool empty() const { return n == 0; }
};
Spread spread_of(const std::vector<double>& values);

struct ServiceSummary {
  std::string name;
  double alone_p50_s = 0, alone_p99_s = 0, alone_p999_s = 0;  // 0 when not measured alone
  Spread p50_ratio, p99_ratio, p999_ratio;                    // empty without an alone value
  Spread p99_s;
};

struct BestEffortSummary {
  std::string name, unit;
  Spread work_per_s;
  Spread work_conservation;  // empty when the scenario has no `none` runs
};

struct GoalVerdict {
  bool known = false;  // false when alone or `none` numbers are missing
  bool met = false;    // on the means over repetitions
  bool met_every_repetition = false;
  std::string why;  // what decided it, e.g. "P99 1.35x alone > 1.2x"
};

struct ControllerSummary {
  Controller controller = Controller::none;
  int repetitions = 0;
  std::vector<ServiceSummary> services;
  std::vector<BestEffortSummary> best_effort;
  Spread worst_p99_ratio;    // per run, the largest P99 ratio of its services
  Spread work_conservation;  // per run, the mean over its best-effort tenants
  Spread isolation_score;
  GoalVerdict goal;
};

enum class Comparison { better, tie, worse, unknown };
const char* to_string(Comparison comparison);
// Compares isolation scores: better (worse) when the means differ by more than the larger of
// the two standard deviations and by more than 0.01; tie otherwise.
Comparison compare_scores(const Spread& candidate, const Spread& reference);

struct ScenarioSummary {
  std::string scenario;
  std::vector<ControllerSummary> controllers;  // in the order of BenchResults::controllers
  // e.g. "no alone measurement for redis", or no interference under none
  std::vector<std::string> problems;
  const ControllerSummary* find(Controller c) const;
};

struct Summary {
  std::vector<ScenarioSummary> scenarios;  // in the order of BenchResults::scenarios
};

Summary summarise(const BenchResults& results);

// The ratio of a measured latency to the alone one: NaN when either is not positive and finite
// except a missing measurement against a valid alone value, which is +infinity.
double latency_ratio(double measured_s, double alone_s);

}  // namespace dwae::bench
