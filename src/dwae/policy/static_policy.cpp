// Static weights: decide a workload's targets the first time it is seen, then never again.
#include "dwae/policy/static_policy.h"

#include <algorithm>
#include <utility>

namespace dwae::policy {

StaticPolicy::StaticPolicy(std::map<std::string, ResourceTargets> targets)
    : targets_(std::move(targets)) {}

Decision StaticPolicy::decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) {
  Decision decision;
  decision.at = now.at;
  for (const auto& info : workloads) {
    // A workload that vanished and came back gets its targets again only once.
    if (std::find(applied_.begin(), applied_.end(), info.name) != applied_.end()) continue;
    applied_.push_back(info.name);
    const auto it = targets_.find(info.name);
    if (it == targets_.end()) continue;
    decision.workloads.push_back({info.name, it->second});
  }
  return decision;
}

}  // namespace dwae::policy
