// Rule policy: each rule reads a few raw per-tick values and names the features it used.
#include "dwae/policy/rule_policy.h"

#include <algorithm>
#include <utility>

namespace dwae::policy {

using features::Feature;

RulePolicy::RulePolicy(AdaptiveSetup setup, RuleConfig config)
    : AdaptivePolicy(std::move(setup)), config_(config) {}

std::vector<AdaptivePolicy::Proposed> RulePolicy::propose(const Entries& entries,
                                                          const features::HostContext& host,
                                                          Nanos /*now*/) {
  if (host.cpu_utilisation > config_.suppress_above) suppressing_ = true;
  if (host.cpu_utilisation < config_.release_below) suppressing_ = false;
  std::vector<Proposed> out;
  out.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const WorkloadInfo& info = *e.info;
    const ResourceTargets& applied = e.sample->applied;
    const double weight = applied_weight(applied.cpu_weight);
    const double base = base_weight(info.name);
    Proposed p;
    p.workload = info.name;
    p.entry = i;
    switch (info.class_kind) {
      case WorkloadClassKind::kBestEffort:
        p.mattered = {Feature::kHostDemandOverCapacity, Feature::kCpuUse};
        if (suppressing_) {
          p.proposal.cpu_idle = true;
          p.proposal.cpu_weight = base * config_.suppressed_weight_factor;
          p.reason = "host CPU utilisation above the suppression threshold: best-effort idle";
        } else {
          p.proposal.cpu_idle = false;
          p.proposal.cpu_weight = base;
          p.reason = "host CPU utilisation below the release threshold: best-effort restored";
        }
        break;
      case WorkloadClassKind::kLatencySensitive: {
        const double budget_ns =
            info.p99_target
                ? static_cast<double>(info.p99_target->count()) * config_.runq_budget_share
                : static_cast<double>(config_.default_runq_budget.count());
        const bool queueing =
            e.tick.runq_p99_ns > budget_ns || e.tick.psi_cpu_some > config_.psi_cpu_threshold;
        p.mattered = {Feature::kRunqP99, Feature::kPsiCpuSome};
        if (queueing) {
          p.proposal.cpu_weight =
              std::min(weight * config_.burst_factor, base * config_.max_burst_factor);
          p.reason = "run-queue delay or CPU pressure over budget: burst";
        } else {
          p.proposal.cpu_weight = std::max(base, weight * config_.decay_factor);
          p.reason = "within budget: weight decays to its base";
        }
        const bool memory_pressure = e.tick.psi_memory_some > config_.psi_memory_threshold ||
                                     e.tick.reclaim_stall > config_.reclaim_stall_threshold;
        if (memory_pressure) {
          const double current = static_cast<double>(e.sample->memory_current_bytes);
          const double low = static_cast<double>(applied.memory_low_bytes.value_or(0));
          p.proposal.memory_low_bytes =
              std::max(low, current * (1.0 + config_.memory_low_headroom));
          p.mattered.push_back(Feature::kPsiMemorySome);
          p.mattered.push_back(Feature::kReclaimStall);
          p.reason += "; memory pressure: memory.low raised";
        }
        break;
      }
      case WorkloadClassKind::kThroughput:
        continue;  // the rules leave throughput workloads at their static settings
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace dwae::policy
