// "Why did my weight change?" (SPEC 8): what every adaptive decision carries for each workload
// it touches: the policy that decided, the features that mattered most, and the guards of the
// shield that changed the proposal.
#pragma once

#include <string>
#include <vector>

#include "dwae/host/host.h"

namespace dwae::policy {

struct FeatureContribution {
  std::string feature;  // features::feature_name()
  double value = 0;     // the normalised feature value
};

struct GuardAction {
  std::string guard;  // "nan", "floor", "ceiling", "rate-limit", "dwell", "class", "ood"
  std::string field;  // "cpu.weight", "cpu.idle", "memory.low", "io.weight"
  std::string detail;
};

struct WorkloadExplanation {
  std::string workload;
  std::string policy;  // "rule", "feedback", "ppo"
  std::string reason;  // the rule that fired or the controller's state, in words
  std::vector<FeatureContribution> features;  // most important first
  std::vector<GuardAction> guards;            // empty when the shield passed it unchanged
};

struct ExplainedDecision {
  Decision decision;
  std::vector<WorkloadExplanation> explanations;
};

}  // namespace dwae::policy
