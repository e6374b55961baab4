// Domain randomisation: a training or evaluation scenario is one of the reference scenarios
// with its workload mix, loads, burst timing and seed drawn at random, so that a policy learns
// the mechanisms rather than six fixed traces. Training and evaluation draw seeds from
// disjoint sets, so no evaluation scenario was ever seen in training.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/sim/scenario.h"

namespace dwae::train {

struct Randomisation {
  double global_load_min = 0.7, global_load_max = 1.3;      // one factor for the whole host
  double workload_load_min = 0.8, workload_load_max = 1.2;  // and one per workload
  double drop_probability = 0.2;        // a workload that is not latency-sensitive leaves the mix
  double duplicate_probability = 0.15;  // a workload gets a twin ("NAME-b")
  double burst_scale_min = 0.7, burst_scale_max = 1.3;  // on/off phase lengths
};

// Evaluation seeds are kEvaluationSeedBase + i (i < kEvaluationSeedCount); training never
// uses one of them, nor a reference scenario's own seed.
inline constexpr uint64_t kEvaluationSeedBase = 900'000;
inline constexpr uint64_t kEvaluationSeedCount = 1'000;
bool is_evaluation_seed(uint64_t seed);

// The scenario seed of training episode `episode` of a run: never an evaluation seed and never
// one of `reserved` (the reference scenarios' own seeds).
uint64_t training_seed(uint64_t run_seed, uint64_t episode, const std::vector<uint64_t>& reserved);

// `base` with its mix, loads and bursts redrawn from `seed` (which also becomes the scenario's
// simulation seed) and the given duration. The name says where it came from:
// "noisy-neighbour~900003".
sim::Scenario randomise_scenario(const sim::Scenario& base, uint64_t seed, sim::Nanos duration,
                                 const Randomisation& r = {});

// Loads scenario files; the error names the file and its first problem.
Result<std::vector<sim::Scenario>> load_scenarios(const std::vector<std::string>& paths);

}  // namespace dwae::train
