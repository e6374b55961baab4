// The static policy: each workload gets its configured targets, once, and keeps them. This is
// what a host without DWAE runs, and the baseline every other policy is measured against.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dwae/policy/policy.h"

namespace dwae::policy {

class StaticPolicy final : public Policy {
 public:
  // `targets`: workload name -> the settings its config gives it.
  explicit StaticPolicy(std::map<std::string, ResourceTargets> targets);
  Decision decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) override;
  const char* name() const override { return "static"; }
  void set_configured(const std::string& workload, const ResourceTargets& targets) override {
    targets_[workload] = targets;
  }

 private:
  std::map<std::string, ResourceTargets> targets_;
  std::vector<std::string> applied_;  // workloads already given their targets
};

}  // namespace dwae::policy
