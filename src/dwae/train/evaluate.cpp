// Each (scenario, policy) run is independent, so runs are spread over threads; the table does
// not depend on the thread count.
#include "dwae/train/evaluate.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "dwae/policy/ppo_policy.h"
#include "dwae/sim/runner.h"
#include "dwae/train/rollout.h"
#include "dwae/train/workers.h"

namespace dwae::train {

namespace {

const std::vector<std::string> kPolicies = {"static", "rule", "feedback", "ppo"};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

PolicyScore score(const sim::Report& report) {
  PolicyScore s;
  s.policy = report.policy;
  size_t ls = 0;
  for (const auto& c : report.classes) {
    if (c.kind == "latency-sensitive" && c.p99_target_ms && *c.p99_target_ms > 0) {
      ++ls;
      s.sla_violations += c.sla_violation_share;
      const double ratio = c.p99_ms / *c.p99_target_ms;
      if (ratio >= s.worst_p99_ratio) {
        s.worst_p99_ratio = ratio;
        s.worst_p99 = c.name + " " + fixed(c.p99_ms, 1) + "/" + fixed(*c.p99_target_ms, 0) + " ms";
      }
    }
    if (c.frames_total > 0) s.stall_rate = std::max(s.stall_rate, c.stall_rate);
  }
  if (ls > 0) s.sla_violations /= static_cast<double>(ls);
  s.utilisation = report.host.cpu_utilisation;
  s.overcommit = report.host.overcommit_ratio;
  return s;
}

Result<std::vector<ScenarioScores>> evaluate_policies(const std::vector<sim::Scenario>& scenarios,
                                                      const std::string& model_path, unsigned jobs,
                                                      const RewardWeights& weights,
                                                      double utilisation_tolerance) {
  // Fail early, with the file's own message, when the model cannot be loaded.
  if (!scenarios.empty()) {
    auto probe = sim::make_policy("ppo", scenarios.front(), model_path);
    if (!probe) return probe.error();
  }
  const size_t runs = scenarios.size() * kPolicies.size();
  std::vector<PolicyScore> results(runs);
  std::vector<std::string> errors(runs);  // a run that could not be scored says why
  std::atomic<size_t> next{0};
  auto work = [&](unsigned /*worker*/) {
    for (size_t i = next++; i < runs; i = next++) {
      const sim::Scenario& scenario = scenarios[i / kPolicies.size()];
      const std::string& name = kPolicies[i % kPolicies.size()];
      auto policy = sim::make_policy(name, scenario, model_path);
      if (!policy) {
        errors[i] = policy.error().message;
        continue;
      }
      const auto report = sim::run_scenario(scenario, **policy);
      if (!report) {
        errors[i] = report.error().message;
        continue;
      }
      PolicyScore s = score(*report);
      // The same run again under the trainer's meter (deterministic: same decisions).
      auto again = sim::make_policy(name, scenario, model_path);
      if (!again) {
        errors[i] = again.error().message;
        continue;
      }
      policy_reward(scenario, **again, weights, &s.reward);
      if (const auto* ppo = dynamic_cast<const policy::PpoPolicy*>(policy->get())) {
        const double decisions = static_cast<double>(ppo->inferences());
        s.ood_share = decisions > 0 ? static_cast<double>(ppo->ood_fallbacks()) / decisions : 0;
      }
      results[i] = s;
    }
  };
  // Never more threads than runs: the others would have nothing to do.
  const auto workers =
      static_cast<unsigned>(std::clamp<size_t>(jobs, 1, std::max<size_t>(1, runs)));
  if (auto st = run_workers(workers, work, [&] { next = runs; }); !st.ok()) return st.error();
  for (size_t i = 0; i < runs; ++i) {
    if (!errors[i].empty()) {
      return Error{scenarios[i / kPolicies.size()].name + ", policy " +
                   kPolicies[i % kPolicies.size()] + ": " + errors[i]};
    }
  }

  std::vector<ScenarioScores> out;
  for (size_t k = 0; k < scenarios.size(); ++k) {
    ScenarioScores sc;
    sc.scenario = scenarios[k].name;
    for (size_t p = 0; p < kPolicies.size(); ++p) {
      sc.scores.push_back(results[k * kPolicies.size() + p]);
      sc.scores.back().policy = kPolicies[p];
    }
    const PolicyScore* best = nullptr;
    for (size_t p = 0; p + 1 < kPolicies.size(); ++p) {
      const PolicyScore& s = sc.scores[p];
      if (best == nullptr || s.sla_violations < best->sla_violations ||
          (s.sla_violations == best->sla_violations && s.utilisation > best->utilisation)) {
        best = &s;
      }
    }
    const PolicyScore& ppo = sc.scores.back();
    sc.best_baseline = best->policy;
    const bool fewer = ppo.sla_violations < best->sla_violations;
    // A tie on violations needs clearly higher utilisation, not a difference in the noise.
    const bool as_few_busier = ppo.sla_violations == best->sla_violations &&
                               ppo.utilisation > best->utilisation + utilisation_tolerance;
    sc.learned_wins =
        (fewer || as_few_busier) && ppo.utilisation >= best->utilisation - utilisation_tolerance;
    out.push_back(std::move(sc));
  }
  return out;
}

size_t learned_wins(const std::vector<ScenarioScores>& scores) {
  return static_cast<size_t>(std::count_if(scores.begin(), scores.end(),
                                           [](const ScenarioScores& s) { return s.learned_wins; }));
}

std::string scores_markdown(const std::vector<ScenarioScores>& scores) {
  std::string out =
      "| scenario | policy | LS SLA violations | worst LS P99 / target | stall rate | CPU "
      "utilisation | overcommit | ppo OOD fallbacks | reward |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& sc : scores) {
    for (const auto& s : sc.scores) {
      std::string name = s.policy;
      if (s.policy == sc.best_baseline) name += " (best baseline)";
      if (s.policy == "ppo") name += sc.learned_wins ? " (wins)" : " (does not win)";
      out += "| " + sc.scenario + " | " + name + " | " + fixed(100 * s.sla_violations, 1) +
             " % | " + (s.worst_p99.empty() ? "–" : s.worst_p99) + " | " +
             (s.stall_rate < 0 ? "–" : fixed(100 * s.stall_rate, 2) + " %") + " | " +
             fixed(100 * s.utilisation, 1) + " % | 1:" + fixed(s.overcommit, 2) + " | " +
             (s.policy == "ppo" ? fixed(100 * s.ood_share, 1) + " %" : "") + " | " +
             fixed(s.reward, 1) + " |\n";
    }
  }
  // Means over scenarios, per policy.
  if (!scores.empty()) {
    out +=
        "\n| policy | mean LS SLA violations | mean CPU utilisation | mean reward |\n"
        "|---|---|---|---|\n";
    for (size_t p = 0; p < scores.front().scores.size(); ++p) {
      double sla = 0, util = 0, reward = 0;
      for (const auto& sc : scores) {
        sla += sc.scores[p].sla_violations;
        util += sc.scores[p].utilisation;
        reward += sc.scores[p].reward;
      }
      const auto n = static_cast<double>(scores.size());
      out += "| " + scores.front().scores[p].policy + " | " + fixed(100 * sla / n, 2) + " % | " +
             fixed(100 * util / n, 2) + " % | " + fixed(reward / n, 2) + " |\n";
    }
  }
  out +=
      "\nppo beats the best baseline (fewer SLA violations with utilisation no more than 0.5 "
      "points lower, or as few with utilisation more than 0.5 points higher) on " +
      std::to_string(learned_wins(scores)) + " of " + std::to_string(scores.size()) +
      " scenarios.\n";
  return out;
}

}  // namespace dwae::train
