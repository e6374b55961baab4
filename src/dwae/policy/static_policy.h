// The static policy: each workload gets its configured targets and keeps them. This is what a
// host without DWAE runs, and the baseline every other policy is measured against. The targets
// are decided again while a workload's sample does not show them applied (the actuator moves a
// setting at most max_step per tick), up to kMaxIssues times in a row.
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
  static constexpr int kMaxIssues = 64;  // a weight from 1 to 10,000 at 25 % a tick: 42
  std::map<std::string, ResourceTargets> targets_;
  std::map<std::string, int> issued_;  // ticks in a row a workload's targets were decided
};

}  // namespace dwae::policy
