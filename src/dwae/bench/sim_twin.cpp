// The twins run deterministically (seeded simulator), so the sim side has no spread; the real
// side is the mean over repetitions. Trends rather than values are compared: the simulator is a
// model of a host, not of this host's exact latencies.
#include "dwae/bench/sim_twin.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dwae/sim/runner.h"

namespace dwae::bench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kFlatBand = 0.10;  // changes within 10 % of none's ratio count as flat

bool is_latency_sensitive(const sim::Scenario& s, const std::string& class_name) {
  for (const auto& c : s.classes) {
    if (c.name == class_name) return c.kind == WorkloadClassKind::kLatencySensitive;
  }
  return false;
}

bool is_best_effort(const sim::Scenario& s, const std::string& class_name) {
  for (const auto& c : s.classes) {
    if (c.name == class_name) return c.kind == WorkloadClassKind::kBestEffort;
  }
  return false;
}

double best_effort_throughput(const sim::Scenario& scenario, const sim::Report& report) {
  double sum = 0;
  for (const auto& c : report.classes) {
    if (is_best_effort(scenario, c.name)) sum += c.throughput;
  }
  return sum;
}

}  // namespace

std::filesystem::path sim_twin_file(const SimTwinOptions& options, const std::string& scenario) {
  return options.scenarios_dir / (scenario + ".yaml");
}

Result<sim::Scenario> load_sim_twin(const SimTwinOptions& options, const std::string& scenario) {
  const auto file = sim_twin_file(options, scenario);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return Error{"no simulator twin " + file.string()};
  auto load = sim::load_scenario_file(file.string());
  if (!load.scenario) {
    std::string message = "simulator twin " + file.string() + " is invalid";
    if (!load.diagnostics.empty()) message += ": " + load.diagnostics.front().message;
    return Error{message};
  }
  sim::Scenario s = std::move(*load.scenario);
  if (options.duration) s.duration = *options.duration;
  return s;
}

sim::Scenario alone_variant(const sim::Scenario& scenario) {
  sim::Scenario s = scenario;
  std::erase_if(s.workloads,
                [&](const auto& w) { return !is_latency_sensitive(scenario, w.class_name); });
  std::erase_if(s.classes,
                [](const auto& c) { return c.kind != WorkloadClassKind::kLatencySensitive; });
  return s;
}

sim::Scenario static_best_variant(const sim::Scenario& scenario) {
  sim::Scenario s = scenario;
  for (auto& w : s.workloads) {
    if (!is_best_effort(scenario, w.class_name)) continue;
    w.settings.cpu_weight = 1;
    w.settings.cpu_idle = true;
    w.settings.io_weight = 1;
  }
  return s;
}

const SimControllerResult* SimTwinResult::find(Controller c) const {
  for (const auto& r : controllers) {
    if (r.controller == c) return &r;
  }
  return nullptr;
}

SimTwinResult run_sim_twin(const std::string& scenario, const std::vector<Controller>& controllers,
                           const SimTwinOptions& options) {
  SimTwinResult out;
  out.scenario = scenario;
  out.file = sim_twin_file(options, scenario);
  auto twin = load_sim_twin(options, scenario);
  if (!twin) {
    out.error = twin.error().message;
    return out;
  }
  const sim::Scenario alone = alone_variant(*twin);
  auto alone_policy = sim::make_policy("static", alone, options.model_path);
  if (!alone_policy) {
    out.error = alone_policy.error().message;
    return out;
  }
  const auto alone_run = sim::run_scenario(alone, **alone_policy);
  if (!alone_run) {
    out.error = alone_run.error().message;
    return out;
  }
  const sim::Report& alone_report = *alone_run;

  // `none` is the work-conservation reference, so it runs first whether asked for or not.
  double none_work = kNaN;
  {
    auto policy = sim::make_policy("static", *twin, options.model_path);
    if (policy) {
      if (const auto none = sim::run_scenario(*twin, **policy)) {
        none_work = best_effort_throughput(*twin, *none);
      }
    }
  }
  for (Controller c : controllers) {
    SimControllerResult r;
    r.controller = c;
    const sim::Scenario run_scenario =
        c == Controller::static_best ? static_best_variant(*twin) : *twin;
    const std::string policy_name = c == Controller::none || c == Controller::static_best
                                        ? "static"
                                        : std::string(to_string(c));
    auto policy = sim::make_policy(policy_name, run_scenario, options.model_path);
    if (!policy) {
      r.error = policy.error().message;
      out.controllers.push_back(std::move(r));
      continue;
    }
    const auto run = sim::run_scenario(run_scenario, **policy);
    if (!run) {
      r.error = run.error().message;
      out.controllers.push_back(std::move(r));
      continue;
    }
    const sim::Report& report = *run;
    r.worst_p99_ratio = kNaN;
    for (const auto& a : alone_report.classes) {
      for (const auto& cls : report.classes) {
        if (cls.name != a.name) continue;
        r.services.push_back(cls.name);
        r.p99_ms.push_back(cls.p99_ms);
        const double ratio = a.p99_ms > 0 ? cls.p99_ms / a.p99_ms : kNaN;
        r.p99_ratio.push_back(ratio);
        if (std::isfinite(ratio)) {
          r.worst_p99_ratio =
              std::isnan(r.worst_p99_ratio) ? ratio : std::max(r.worst_p99_ratio, ratio);
        }
      }
    }
    r.work_conservation =
        none_work > 0 ? best_effort_throughput(run_scenario, report) / none_work : kNaN;
    out.controllers.push_back(std::move(r));
  }
  return out;
}

const char* to_string(Trend trend) {
  switch (trend) {
    case Trend::lower:
      return "lower";
    case Trend::flat:
      return "flat";
    case Trend::higher:
      return "higher";
    case Trend::unknown:
      return "unknown";
  }
  return "unknown";
}

Trend trend_vs_none(double ratio, double none_ratio) {
  if (!std::isfinite(ratio) || !std::isfinite(none_ratio) || none_ratio <= 0) {
    return Trend::unknown;
  }
  const double change = (ratio - none_ratio) / none_ratio;
  if (change < -kFlatBand) return Trend::lower;
  if (change > kFlatBand) return Trend::higher;
  return Trend::flat;
}

namespace {

double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
  int concordant = 0, discordant = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      const double s = (a[i] - a[j]) * (b[i] - b[j]);
      if (s > 0) ++concordant;
      if (s < 0) ++discordant;
    }
  }
  const int pairs = static_cast<int>(a.size() * (a.size() - 1) / 2);
  if (pairs == 0) return kNaN;
  return static_cast<double>(concordant - discordant) / pairs;
}

}  // namespace

ScenarioAgreement compare_sim_real(const ScenarioSummary& real, const SimTwinResult& sim) {
  ScenarioAgreement out;
  out.scenario = real.scenario;
  out.error = sim.error;
  out.rank_tau = kNaN;
  if (!sim.error.empty()) {
    out.verdict = "not comparable";
    return out;
  }
  const ControllerSummary* real_none = real.find(Controller::none);
  const SimControllerResult* sim_none = sim.find(Controller::none);
  const double real_none_ratio = real_none ? real_none->worst_p99_ratio.mean : kNaN;
  const double sim_none_ratio =
      sim_none && sim_none->error.empty() ? sim_none->worst_p99_ratio : kNaN;
  std::vector<double> real_ranks, sim_ranks;
  for (const auto& rc : real.controllers) {
    const SimControllerResult* sc = sim.find(rc.controller);
    if (sc == nullptr || rc.worst_p99_ratio.empty()) continue;
    ControllerAgreement a;
    a.controller = rc.controller;
    a.real_work_conservation = rc.work_conservation.empty() ? kNaN : rc.work_conservation.mean;
    a.sim_work_conservation = sc->error.empty() ? sc->work_conservation : kNaN;
    if (!sc->error.empty()) {
      a.real_ratio = rc.worst_p99_ratio.mean;
      a.sim_ratio = kNaN;
      a.sim_error = sc->error;
      out.controllers.push_back(a);
      continue;
    }
    a.real_ratio = rc.worst_p99_ratio.mean;
    a.sim_ratio = sc->worst_p99_ratio;
    if (std::isfinite(a.real_ratio) && std::isfinite(a.sim_ratio)) {
      real_ranks.push_back(a.real_ratio);
      sim_ranks.push_back(a.sim_ratio);
    }
    if (rc.controller != Controller::none) {
      a.real_trend = trend_vs_none(a.real_ratio, real_none_ratio);
      a.sim_trend = trend_vs_none(a.sim_ratio, sim_none_ratio);
      if (a.real_trend != Trend::unknown && a.sim_trend != Trend::unknown) {
        a.agree = a.real_trend == a.sim_trend;
        ++out.judged;
        if (a.agree) ++out.agreeing;
      }
    }
    out.controllers.push_back(a);
  }
  out.rank_tau = kendall_tau(real_ranks, sim_ranks);
  if (out.judged == 0) {
    out.verdict = "not comparable";
  } else if (out.agreeing == out.judged) {
    out.verdict = "agree";
  } else if (out.agreeing == 0) {
    out.verdict = "disagree";
  } else {
    out.verdict = "partly";
  }
  return out;
}

}  // namespace dwae::bench
