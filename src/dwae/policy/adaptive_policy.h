// The common frame of the adaptive policies (rule, feedback, later PPO): features in, a proposal
// per workload out, the shield in between, and an explanation for every workload touched.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dwae/features/features.h"
#include "dwae/policy/explanation.h"
#include "dwae/policy/policy.h"
#include "dwae/policy/shield.h"

namespace dwae::policy {

struct AdaptiveSetup {
  // Workload name -> the settings it starts from (its configured static settings). They are
  // applied the first time a workload is seen, unshielded: they are the operator's.
  std::map<std::string, ResourceTargets> base;
  features::HostContext facts;  // topology and overcommit; per-tick fields are filled in
  ShieldConfig shield;
};

class AdaptivePolicy : public Policy {
 public:
  explicit AdaptivePolicy(AdaptiveSetup setup);
  Decision decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) final;
  // The decision of the last decide() with its explanations.
  const ExplainedDecision& last() const { return last_; }

 protected:
  struct Proposed {
    std::string workload;
    Proposal proposal;
    std::string reason;
    std::vector<features::Feature> mattered;  // most important first
    // Guards the policy itself applied before the shield (PPO's out-of-distribution fallback).
    std::vector<GuardAction> guards;
  };
  using Entries = std::vector<features::FeatureTracker::Entry>;
  virtual std::vector<Proposed> propose(const Entries& entries, const features::HostContext& host,
                                        Nanos now) = 0;
  // The starting cpu.weight of a workload (its static setting, else the kernel default 100).
  double base_weight(const std::string& workload) const;

 private:
  AdaptiveSetup setup_;
  features::FeatureTracker tracker_;
  Shield shield_;
  std::set<std::string> seen_;
  ExplainedDecision last_;
};

}  // namespace dwae::policy
