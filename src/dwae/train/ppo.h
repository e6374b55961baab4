// PPO (DEC-1) with LibTorch: an actor-critic MLP, generalised advantage estimation, the clipped
// surrogate objective with an entropy bonus, trained on rollouts of several randomised simulated
// hosts per iteration. Checkpoints hold everything an iteration depends on and the configuration
// that produced them, so a resumed run gives the same model as an uninterrupted one and a
// checkpoint of another configuration is refused. Only dwae-train links this; the agent reads the
// exported policy file with its own Eigen inference.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/policy/policy_file.h"
#include "dwae/sim/scenario.h"
#include "dwae/train/curve.h"
#include "dwae/train/randomise.h"
#include "dwae/train/reward.h"
#include "dwae/train/rollout.h"

namespace dwae::train {

// The dwae-train option of a field is named in its errors (--envs, --minibatch, ...).
struct PpoConfig {
  uint64_t seed = 1;
  std::vector<sim::Scenario> scenarios;  // the reference scenarios randomisation starts from
  Randomisation randomisation;
  RewardWeights reward;
  sim::Nanos episode{std::chrono::seconds(60)};
  size_t iterations = 100;
  size_t envs = 8;  // simulated hosts (one episode each) per iteration
  // Network
  std::vector<uint32_t> hidden = {64, 64};
  double max_relative_change = 0.25;
  double init_log_std = -0.7;
  float input_clip = 5.0F;
  float std_floor = 0.02F;  // normalisation never divides by less
  float ood_tolerance = 0.05F;
  // PPO
  double learning_rate = 3e-4;
  double gamma = 0.95, lambda = 0.95;
  double clip = 0.2;
  double entropy = 0.001;
  double value_coef = 0.5;
  double max_grad_norm = 0.5;
  size_t epochs = 4;
  size_t minibatch = 512;
  // Deterministic evaluation on fixed evaluation-seed scenarios every `eval_every` iterations
  // (0: never) over `eval_episodes` scenarios.
  size_t eval_every = 10;
  size_t eval_episodes = 6;
  // Execution
  unsigned jobs = 1;      // hosts simulated in parallel (results do not depend on it)
  int torch_threads = 1;  // bit-identical models need the same value across runs
};

// Refuses a configuration that would make training do nothing, hang or produce a policy that
// cannot act (no iterations, hosts, epochs or scenarios; minibatches of fewer than 2 samples;
// episodes shorter than two control ticks) and hyper-parameters that are not finite or out of
// range. The error names the option and says what is accepted.
Status validate_config(const PpoConfig& config);

// "sim speed" and learning numbers of one iteration.
struct IterationStats {
  size_t iteration = 0;
  CurveRow row;
};

class PpoTrainer {
 public:
  explicit PpoTrainer(PpoConfig config);
  ~PpoTrainer();
  PpoTrainer(const PpoTrainer&) = delete;
  PpoTrainer& operator=(const PpoTrainer&) = delete;

  // Fits the input normalisation on episodes of the initial policy (done once, before the
  // first iteration; resumed runs restore it from the checkpoint). Fails when the episodes gave
  // the policy no decision to make.
  Status warm_up();
  // One iteration: rollouts, advantages, `epochs` passes of minibatch updates. Fails when the
  // rollouts gave fewer than 2 samples, or at the first loss or parameter that is not finite;
  // after a failure the trainer refuses to go on, to export and to save a checkpoint, so the
  // last good checkpoint stays as it was.
  Result<IterationStats> iterate();
  size_t iteration() const;
  const std::vector<CurveRow>& curve() const;

  // The actor as a policy file model (normalisation, ranges, network, action mapping). Fails
  // before anything was trained on (the training range would be empty: the agent's
  // out-of-distribution guard would refuse every input) and after a failed iteration.
  Result<policy::PolicyModel> export_model(const std::string& name) const;
  // Mean episode reward of the deterministic actor on the evaluation scenarios.
  Result<double> evaluate(size_t episodes) const;
  // The evaluation scenarios (evaluation seeds; never used in training).
  std::vector<sim::Scenario> evaluation_scenarios(size_t episodes) const;

  // The checkpoint records the configuration (every option that changes the model, and
  // --iterations); loading refuses one whose configuration differs from this trainer's, naming
  // the first option that differs. Saving refuses a trainer whose state is not finite or whose
  // last iteration failed. LibTorch's errors come back as one line, without its backtrace.
  Status save_checkpoint(const std::string& path) const;
  Status load_checkpoint(const std::string& path);

  // For tests: the LibTorch actor's output for normalised inputs (rows of kFeatures values).
  std::vector<float> torch_actor(const std::vector<float>& normalised_inputs) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dwae::train
