// Runs are grouped by (scenario, controller); everything per run is computed first and then
// spread over repetitions, so min/max/stddev describe run-to-run variation.
#include "dwae/bench/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace dwae::bench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool valid_latency(double s) {
  return std::isfinite(s) && s > 0;
}

const ServiceRun* find_service(const std::vector<ServiceRun>& services, const std::string& name) {
  for (const auto& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string ratio_text(double v) {
  if (!std::isfinite(v)) return "no answer";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", v);
  return buf;
}

std::string percent_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f %%", v * 100);
  return buf;
}

// What one run contributes to its controller's summary.
struct RunFigures {
  std::vector<double> p50_ratio, p99_ratio, p999_ratio, p99_s;  // per service, in service order
  std::vector<double> work_per_s, work_conservation;            // per best-effort tenant
  double worst_p99_ratio = kNaN;
  double run_work_conservation = kNaN;
  double isolation_score = kNaN;
};

}  // namespace

double latency_ratio(double measured_s, double alone_s) {
  if (!valid_latency(alone_s)) return kNaN;
  if (!valid_latency(measured_s)) return kInf;
  return measured_s / alone_s;
}

Spread spread_of(const std::vector<double>& values) {
  Spread s;
  s.n = static_cast<int>(values.size());
  if (values.empty()) return s;
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / s.n;
  if (s.n > 1) {
    double sq = 0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / (s.n - 1));
  }
  return s;
}

const char* to_string(Comparison comparison) {
  switch (comparison) {
    case Comparison::better:
      return "better";
    case Comparison::tie:
      return "tie";
    case Comparison::worse:
      return "worse";
    case Comparison::unknown:
      return "unknown";
  }
  return "unknown";
}

Comparison compare_scores(const Spread& candidate, const Spread& reference) {
  if (candidate.empty() || reference.empty() || !std::isfinite(candidate.mean) ||
      !std::isfinite(reference.mean)) {
    return Comparison::unknown;
  }
  auto finite_or_zero = [](double v) { return std::isfinite(v) ? v : 0.0; };
  const double noise =
      std::max({finite_or_zero(candidate.stddev), finite_or_zero(reference.stddev), 0.01});
  const double diff = candidate.mean - reference.mean;
  if (diff > noise) return Comparison::better;
  if (diff < -noise) return Comparison::worse;
  return Comparison::tie;
}

const ControllerSummary* ScenarioSummary::find(Controller c) const {
  for (const auto& cs : controllers) {
    if (cs.controller == c) return &cs;
  }
  return nullptr;
}

Summary summarise(const BenchResults& results) {
  Summary summary;
  for (const std::string& scenario : results.scenarios) {
    ScenarioSummary ss;
    ss.scenario = scenario;

    const Alone* alone = nullptr;
    for (const auto& a : results.alone) {
      if (a.scenario == scenario) alone = &a;
    }
    // Service and tenant names in the order the scenario's first run lists them.
    std::vector<std::string> services, tenants;
    std::map<std::string, std::string> units;
    for (const auto& run : results.runs) {
      if (run.scenario != scenario) continue;
      for (const auto& s : run.services) {
        if (std::find(services.begin(), services.end(), s.name) == services.end()) {
          services.push_back(s.name);
        }
      }
      for (const auto& b : run.best_effort) {
        if (std::find(tenants.begin(), tenants.end(), b.name) == tenants.end()) {
          tenants.push_back(b.name);
          units[b.name] = b.unit;
        }
      }
    }
    std::vector<const ServiceRun*> alone_of(services.size(), nullptr);
    for (std::size_t i = 0; i < services.size(); ++i) {
      if (alone != nullptr) alone_of[i] = find_service(alone->services, services[i]);
      if (alone_of[i] == nullptr || !valid_latency(alone_of[i]->p99_s)) {
        ss.problems.push_back("no alone measurement for " + services[i]);
      }
    }
    // The work-conservation reference: mean work per second under `none`.
    std::vector<double> reference(tenants.size(), kNaN);
    for (std::size_t t = 0; t < tenants.size(); ++t) {
      std::vector<double> none_work;
      for (const auto& run : results.runs) {
        if (run.scenario != scenario || run.controller != Controller::none) continue;
        for (const auto& b : run.best_effort) {
          if (b.name == tenants[t]) none_work.push_back(b.work_per_s);
        }
      }
      const Spread s = spread_of(none_work);
      if (!s.empty() && std::isfinite(s.mean) && s.mean > 0) {
        reference[t] = s.mean;
      } else {
        ss.problems.push_back("no throughput of " + tenants[t] + " under none");
      }
    }

    for (Controller controller : results.controllers) {
      std::vector<RunFigures> figures;
      for (const auto& run : results.runs) {
        if (run.scenario != scenario || run.controller != controller) continue;
        RunFigures f;
        double latency_term_log = 0;
        int latency_terms = 0;
        for (std::size_t i = 0; i < services.size(); ++i) {
          const ServiceRun* s = find_service(run.services, services[i]);
          const ServiceRun* a = alone_of[i];
          const double p99 = s != nullptr ? s->p99_s : kNaN;
          f.p99_s.push_back(p99);
          f.p50_ratio.push_back(a ? latency_ratio(s ? s->p50_s : kNaN, a->p50_s) : kNaN);
          f.p99_ratio.push_back(a ? latency_ratio(p99, a->p99_s) : kNaN);
          f.p999_ratio.push_back(a ? latency_ratio(s ? s->p999_s : kNaN, a->p999_s) : kNaN);
          const double r = f.p99_ratio.back();
          if (std::isnan(r)) continue;
          f.worst_p99_ratio = std::isnan(f.worst_p99_ratio) ? r : std::max(f.worst_p99_ratio, r);
          latency_term_log += std::log(std::min(1.0, 1.0 / r));  // log(0) = -inf for no answer
          ++latency_terms;
        }
        double wc_sum = 0;
        int wc_terms = 0;
        for (std::size_t t = 0; t < tenants.size(); ++t) {
          double work = kNaN;
          for (const auto& b : run.best_effort) {
            if (b.name == tenants[t]) work = b.work_per_s;
          }
          f.work_per_s.push_back(work);
          f.work_conservation.push_back(work / reference[t]);
          if (std::isfinite(f.work_conservation.back())) {
            wc_sum += f.work_conservation.back();
            ++wc_terms;
          }
        }
        if (wc_terms > 0) f.run_work_conservation = wc_sum / wc_terms;
        // A score needs every term: a service without its alone value or a tenant without its
        // `none` reference leaves the run without a score, not with half of one.
        const bool latency_complete = latency_terms == static_cast<int>(services.size());
        const bool work_complete = wc_terms == static_cast<int>(tenants.size());
        const bool has_latency = latency_terms > 0;
        const bool has_work = wc_terms > 0;
        const double latency_term = has_latency ? std::exp(latency_term_log / latency_terms) : 1;
        const double work_term = has_work ? std::clamp(f.run_work_conservation, 0.0, 1.0) : 1;
        if (latency_complete && work_complete) {
          if (has_latency && has_work) {
            f.isolation_score = std::sqrt(latency_term * work_term);
          } else if (has_latency || has_work) {
            f.isolation_score = has_latency ? latency_term : work_term;
          }
        }
        figures.push_back(std::move(f));
      }

      ControllerSummary cs;
      cs.controller = controller;
      cs.repetitions = static_cast<int>(figures.size());
      auto collect = [&](auto member) {
        std::vector<double> v;
        for (const auto& f : figures) {
          if (!std::isnan(f.*member)) v.push_back(f.*member);
        }
        return spread_of(v);
      };
      auto collect_at = [&](auto member, std::size_t i) {
        std::vector<double> v;
        for (const auto& f : figures) {
          if (!std::isnan((f.*member)[i])) v.push_back((f.*member)[i]);
        }
        return spread_of(v);
      };
      for (std::size_t i = 0; i < services.size(); ++i) {
        ServiceSummary s;
        s.name = services[i];
        if (alone_of[i] != nullptr) {
          s.alone_p50_s = alone_of[i]->p50_s;
          s.alone_p99_s = alone_of[i]->p99_s;
          s.alone_p999_s = alone_of[i]->p999_s;
        }
        s.p50_ratio = collect_at(&RunFigures::p50_ratio, i);
        s.p99_ratio = collect_at(&RunFigures::p99_ratio, i);
        s.p999_ratio = collect_at(&RunFigures::p999_ratio, i);
        s.p99_s = collect_at(&RunFigures::p99_s, i);
        cs.services.push_back(std::move(s));
      }
      for (std::size_t t = 0; t < tenants.size(); ++t) {
        BestEffortSummary b;
        b.name = tenants[t];
        b.unit = units[tenants[t]];
        b.work_per_s = collect_at(&RunFigures::work_per_s, t);
        b.work_conservation = collect_at(&RunFigures::work_conservation, t);
        cs.best_effort.push_back(std::move(b));
      }
      cs.worst_p99_ratio = collect(&RunFigures::worst_p99_ratio);
      cs.work_conservation = collect(&RunFigures::run_work_conservation);
      cs.isolation_score = collect(&RunFigures::isolation_score);

      // The goal, on the means and in every repetition.
      GoalVerdict& g = cs.goal;
      const bool latency_known =
          !services.empty() && std::all_of(cs.services.begin(), cs.services.end(),
                                           [](const auto& s) { return !s.p99_ratio.empty(); });
      const bool work_known = tenants.empty() || !cs.work_conservation.empty();
      g.known = cs.repetitions > 0 && latency_known && work_known;
      if (!g.known) {
        g.why = cs.repetitions == 0 ? "not run" : "missing alone or none measurements";
      } else {
        std::vector<std::string> misses;
        for (const auto& s : cs.services) {
          if (!(s.p99_ratio.mean <= kGoalP99Ratio)) {
            misses.push_back(s.name + " P99 " + ratio_text(s.p99_ratio.mean) + " alone > " +
                             ratio_text(kGoalP99Ratio));
          }
        }
        if (!tenants.empty() && !(cs.work_conservation.mean >= kGoalWorkConservation)) {
          misses.push_back("work conservation " + percent_text(cs.work_conservation.mean) + " < " +
                           percent_text(kGoalWorkConservation));
        }
        g.met = misses.empty();
        for (const auto& m : misses) g.why += (g.why.empty() ? "" : "; ") + m;
        if (g.met) {
          g.why = "P99 within " + ratio_text(kGoalP99Ratio) + " alone";
          if (!tenants.empty()) {
            g.why += ", work conservation " + percent_text(cs.work_conservation.mean);
          }
        }
        g.met_every_repetition = g.met;
        for (const auto& f : figures) {
          const bool latency_ok = f.worst_p99_ratio <= kGoalP99Ratio;
          const bool work_ok = tenants.empty() || f.run_work_conservation >= kGoalWorkConservation;
          if (!latency_ok || !work_ok) g.met_every_repetition = false;
        }
      }
      ss.controllers.push_back(std::move(cs));
    }
    // Without interference under none, a controller has nothing to win: say so rather than
    // let "met" read as an achievement.
    if (const ControllerSummary* none = ss.find(Controller::none);
        none != nullptr && !none->worst_p99_ratio.empty() &&
        none->worst_p99_ratio.mean <= kGoalP99Ratio) {
      ss.problems.push_back("under none the services' P99 is already within " +
                            ratio_text(kGoalP99Ratio) +
                            " alone: the scenario showed no interference (or the alone run was "
                            "disturbed), so its verdicts say little");
    }
    summary.scenarios.push_back(std::move(ss));
  }
  return summary;
}

}  // namespace dwae::bench
