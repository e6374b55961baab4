// The learning curve: one CSV row per iteration, and an SVG plot of it written by our own few
// lines (no plotting library), beside the model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/train/reward.h"

namespace dwae::train {

struct CurveRow {
  size_t iteration = 0;
  uint64_t episodes = 0;    // so far
  uint64_t host_ticks = 0;  // control ticks of simulated hosts so far
  uint64_t samples = 0;     // workload decisions trained on so far
  double simulated_seconds = 0;
  double wall_seconds = 0;            // of the whole run so far
  double ticks_per_second = 0;        // this iteration's rollouts: host ticks per wall second
  double sim_steps_per_second = 0;    // simulator quanta per wall second
  double mean_episode_reward = 0;     // training episodes (with exploration noise)
  std::optional<double> eval_reward;  // deterministic actor on the evaluation scenarios
  RewardTerms terms;                  // per-tick means over the iteration's episodes
  double policy_loss = 0, value_loss = 0, entropy = 0, approx_kl = 0, clip_fraction = 0;
  double action_std = 0;
};

std::string curve_csv_header();
std::string curve_csv_row(const CurveRow& row);
// Parses what curve_csv_row wrote (for resumption and tests).
Result<CurveRow> parse_curve_csv_row(const std::string& line);
// An SVG line chart of episode reward against host ticks (training and evaluation).
std::string curve_svg(const std::vector<CurveRow>& rows, const std::string& title);
Status write_curve(const std::string& csv_path, const std::string& svg_path,
                   const std::vector<CurveRow>& rows, const std::string& title);

}  // namespace dwae::train
