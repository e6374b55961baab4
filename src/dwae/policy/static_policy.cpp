// Static weights: decide a workload's targets until its samples show them applied.
#include "dwae/policy/static_policy.h"

#include <algorithm>
#include <utility>

namespace dwae::policy {

namespace {

// Whether `applied` holds every setting `target` names.
bool reached(const ResourceTargets& applied, const ResourceTargets& target) {
  const auto same = [](const auto& a, const auto& t) { return !t || a == t; };
  return same(applied.cpu_weight, target.cpu_weight) &&
         same(applied.cpu_quota_us, target.cpu_quota_us) &&
         same(applied.cpu_period_us, target.cpu_period_us) &&
         same(applied.cpu_burst_us, target.cpu_burst_us) &&
         same(applied.cpu_idle, target.cpu_idle) && same(applied.cpuset_cpus, target.cpuset_cpus) &&
         same(applied.cpuset_mems, target.cpuset_mems) &&
         same(applied.memory_min_bytes, target.memory_min_bytes) &&
         same(applied.memory_low_bytes, target.memory_low_bytes) &&
         same(applied.memory_high_bytes, target.memory_high_bytes) &&
         same(applied.memory_max_bytes, target.memory_max_bytes) &&
         same(applied.io_weight, target.io_weight) && same(applied.io_limits, target.io_limits) &&
         same(applied.net_share, target.net_share);
}

}  // namespace

StaticPolicy::StaticPolicy(std::map<std::string, ResourceTargets> targets)
    : targets_(std::move(targets)) {}

Decision StaticPolicy::decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) {
  Decision decision;
  decision.at = now.at;
  for (const auto& info : workloads) {
    const auto it = targets_.find(info.name);
    if (it == targets_.end()) continue;
    const auto sample = std::find_if(now.workloads.begin(), now.workloads.end(),
                                     [&](const WorkloadSample& w) { return w.name == info.name; });
    int& issued = issued_[info.name];
    if (sample != now.workloads.end() && reached(sample->applied, it->second)) {
      issued = 0;  // held; should it drift, it is decided again
      continue;
    }
    if (issued >= kMaxIssues) continue;  // not reachable here (a knob the host lacks)
    ++issued;
    decision.workloads.push_back({info.name, it->second});
  }
  return decision;
}

}  // namespace dwae::policy
