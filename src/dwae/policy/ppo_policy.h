// PPO policy (DEC-1): inference of a trained actor network on the adaptive frame. Features are
// normalised as in training, the MLP (Eigen, no LibTorch) gives one output in [-1, 1] per
// action, and each action moves its resource by at most its max relative change; the shield
// then bounds the result like any other proposal. A workload whose features leave the training
// range falls back to the feedback controller for that tick (counted and explained).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dwae/policy/adaptive_policy.h"
#include "dwae/policy/feedback_policy.h"
#include "dwae/policy/mlp.h"
#include "dwae/policy/policy_file.h"

namespace dwae::policy {

class PpoPolicy final : public AdaptivePolicy {
 public:
  // Loads `path`; the error names the file and the problem.
  static Result<std::unique_ptr<PpoPolicy>> load(const AdaptiveSetup& setup,
                                                 const std::string& path,
                                                 FeedbackConfig fallback = {});
  // `model` must be valid (as decode_policy_file returns it).
  PpoPolicy(const AdaptiveSetup& setup, PolicyModel model, FeedbackConfig fallback = {});
  const char* name() const override { return "ppo"; }

  // Replaces the network with the one in `path`. On any failure the current network stays in
  // use and the error says why. Feature windows and the fallback controller are kept.
  Status reload(const std::string& path);
  Status reload_model(const std::string& path) override { return reload(path); }
  const PolicyModel& model() const { return model_; }

  // The network's actions for one feature vector, before any mapping (for tests and tools).
  std::vector<float> infer(const features::FeatureVector& f) const;
  // Index of the first feature outside the widened training range, or -1.
  int out_of_distribution(const features::FeatureVector& f) const;

  // Workload-ticks that fell back to the feedback controller (out of distribution).
  uint64_t ood_fallbacks() const { return ood_fallbacks_; }
  // Workload-ticks where a network output was not finite (NaN): those actions proposed NaN,
  // which the shield holds at the applied value.
  uint64_t non_finite_outputs() const override { return non_finite_outputs_; }
  uint64_t inferences() const { return inferences_; }

 private:
  std::vector<Proposed> propose(const Entries& entries, const features::HostContext& host,
                                Nanos now) override;
  void install(PolicyModel model);
  void normalise(const features::FeatureVector& f, float* out) const;

  PolicyModel model_;
  Mlp mlp_;
  std::vector<float> input_importance_;  // per feature: norm of its first-layer column
  FeedbackPolicy fallback_;
  uint64_t ood_fallbacks_ = 0;
  uint64_t non_finite_outputs_ = 0;
  uint64_t inferences_ = 0;
  Eigen::MatrixXf batch_in_, batch_out_;
};

}  // namespace dwae::policy
