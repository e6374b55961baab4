// Rollouts: simulated hosts driven by the actor being trained. The actor runs exactly as the
// agent will run it — the exported policy file's normalisation, network (the agent's Eigen
// MLP) and action mapping, behind the same adaptive frame and shield — plus Gaussian
// exploration noise. Every workload is one agent of a shared policy; all the workloads of a
// host get that host's reward.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dwae/common/clock.h"
#include "dwae/common/result.h"
#include "dwae/features/features.h"
#include "dwae/policy/adaptive_policy.h"
#include "dwae/policy/mlp.h"
#include "dwae/policy/policy_file.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/sim_host.h"
#include "dwae/train/random.h"
#include "dwae/train/reward.h"

namespace dwae::train {

inline constexpr size_t kFeatures = features::kFeatureCount;

// Per-feature count, mean, variance (Welford), minimum and maximum of raw feature values.
struct FeatureStats {
  double count = 0;
  std::array<double, kFeatures> mean{}, m2{}, min{}, max{};
  void add(const features::FeatureVector& f);
  void merge(const FeatureStats& other);
  double std_dev(size_t j) const;
};

// The actor as the rollouts run it: a valid policy model (normalisation, network, action
// mapping), its network, and the exploration noise.
struct Actor {
  policy::PolicyModel model;
  policy::Mlp mlp;
  std::vector<float> log_std;  // per action
  bool deterministic = false;  // true: the network's output, no noise (as the agent runs it)
  explicit Actor(policy::PolicyModel m, std::vector<float> log_std_ = {}, bool det = false);
  // Normalises one feature vector as PpoPolicy does.
  void normalise(const features::FeatureVector& f, float* out) const;
};

// One workload's trajectory through an episode.
struct Trajectory {
  std::string workload;
  size_t actions = 0;            // values per action vector
  std::vector<float> obs;        // per step: kFeatures normalised inputs
  std::vector<float> act;        // per step: the sampled (unclipped) action
  std::vector<float> log_prob;   // per step: log-density of act under the actor
  std::vector<float> reward;     // per step: the host's reward for that tick
  std::vector<float> bootstrap;  // kFeatures inputs after the last step (empty: none)
  size_t steps() const { return log_prob.size(); }
};

struct EpisodeResult {
  std::string scenario;
  uint64_t seed = 0;
  size_t ticks = 0;
  double reward = 0;  // sum over ticks of the host reward
  RewardTerms terms;  // sum over ticks
  double simulated_seconds = 0;
  uint64_t sim_steps = 0;  // simulator quanta stepped
  std::vector<Trajectory> trajectories;
  FeatureStats stats;  // raw features seen
};

// One simulated host for one episode, stepped one control tick at a time.
class Environment {
 public:
  Environment(sim::Scenario scenario, const RewardWeights& weights, uint64_t noise_seed);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  // One control tick: sample, decide with `actor`, apply, simulate one control period, reward.
  // Returns false once the episode is over (then call finish()).
  bool step(const Actor& actor);
  bool done() const;
  // Records the inputs after the last tick (for the value bootstrap) and hands the episode over.
  EpisodeResult finish(const Actor& actor);

 private:
  class TrainingPolicy;
  sim::Scenario scenario_;
  RewardWeights weights_;
  ManualClock clock_;
  std::unique_ptr<sim::SimHost> host_;
  std::unique_ptr<TrainingPolicy> policy_;
  std::unique_ptr<RewardMeter> meter_;
  std::vector<WorkloadInfo> infos_;
  Nanos now_{0};
  TrainRng noise_;
  EpisodeResult result_;
};

// The reward any policy earns on a scenario (the trainer's loop and meter around `policy`), for
// comparing the learned policy with the baselines on the training objective.
RewardTerms policy_reward(const sim::Scenario& scenario, policy::Policy& policy,
                          const RewardWeights& weights, double* reward);

// Runs one episode per scenario, `jobs` hosts at a time (each host its own thread; results do
// not depend on `jobs`; never more threads than scenarios). `noise_seeds[i]` seeds host i's
// exploration noise. Fails only when a thread cannot be started.
Result<std::vector<EpisodeResult>> run_episodes(const std::vector<sim::Scenario>& scenarios,
                                                const std::vector<uint64_t>& noise_seeds,
                                                const Actor& actor, const RewardWeights& weights,
                                                unsigned jobs);

}  // namespace dwae::train
