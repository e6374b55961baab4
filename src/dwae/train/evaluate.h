// Evaluation: the policies side by side on the reference scenarios and on randomised scenarios
// with evaluation seeds (never used in training), run by the same runner as `dwae sim`, and the
// verdict DEC-5 asks for: does the learned policy beat the best baseline?
#pragma once

#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/sim/report.h"
#include "dwae/sim/scenario.h"
#include "dwae/train/reward.h"

namespace dwae::train {

struct PolicyScore {
  std::string policy;
  double sla_violations = 0;   // mean over latency-sensitive classes of the violating-window share
  double worst_p99_ratio = 0;  // max over latency-sensitive classes of P99 / target
  std::string worst_p99;       // "api 47.7/25 ms"
  double stall_rate = -1;      // worst video class; -1 when the scenario has no video
  double utilisation = 0;      // host CPU
  double overcommit = 0;       // sold vCPUs / physical cores
  double ood_share = 0;        // ppo: share of workload-ticks that fell back to feedback
  double reward = 0;           // the training reward (default weights) earned over the run
};

struct ScenarioScores {
  std::string scenario;
  std::vector<PolicyScore> scores;  // in the order of the policies asked for
  std::string best_baseline;        // fewest SLA violations, ties to higher utilisation
  bool learned_wins = false;
};

PolicyScore score(const sim::Report& report);

// Runs every policy (static, rule, feedback, ppo with `model_path`) on every scenario, using
// `jobs` threads (at most one per run). A run that cannot be made or scored, or a thread that
// cannot be started, is an error naming it. The ppo policy "wins" a scenario when it has fewer SLA
// violations than the best baseline with utilisation at most `utilisation_tolerance` below the best
// baseline's, or as few violations with utilisation more than `utilisation_tolerance` above it.
Result<std::vector<ScenarioScores>> evaluate_policies(const std::vector<sim::Scenario>& scenarios,
                                                      const std::string& model_path, unsigned jobs,
                                                      const RewardWeights& weights = {},
                                                      double utilisation_tolerance = 0.005);

// A markdown table of the scores and a one-line verdict.
std::string scores_markdown(const std::vector<ScenarioScores>& scores);
size_t learned_wins(const std::vector<ScenarioScores>& scores);

}  // namespace dwae::train
