// `dwae sim SCENARIO [--policy NAME] [--model FILE] [--duration D] [--seed N] [--json]`: runs a
// simulator scenario under a policy and prints its report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace dwae::cli {

struct SimOptions {
  std::string scenario_path;
  std::string policy = "static";
  std::string model;             // --policy ppo: the policy file; empty: models/default.policy
  std::string duration;          // empty: the scenario's own; else "30s", "10m", ...
  std::optional<uint64_t> seed;  // empty: the scenario's own
  bool json = false;
};

// Exit codes: 0 ok, 2 bad input (scenario errors as FILE:LINE:COL, bad option values),
// 1 failure.
int run_sim(const SimOptions& options);

}  // namespace dwae::cli
