// Threshold rules in the style of production co-location agents: suppress best-effort CPU when
// the host gets busy, let latency-sensitive workloads burst when they queue, and protect their
// memory under memory pressure. Thresholds are documented in docs/policies.md.
#pragma once

#include "dwae/policy/adaptive_policy.h"

namespace dwae::policy {

struct RuleConfig {
  // Best-effort suppression, on host CPU utilisation (hysteresis between the two).
  double suppress_above = 0.75;
  double release_below = 0.50;
  double suppressed_weight_factor = 0.1;  // best-effort weight target: base x this
  // Latency-sensitive burst: run-queue delay P99 over this share of the P99 target, or PSI cpu
  // some over the threshold, raises the weight by burst_factor per tick; calm ticks decay it
  // back to its base by decay_factor per tick.
  double runq_budget_share = 0.1;
  Nanos default_runq_budget{1'000'000};  // when the class has no P99 target
  double psi_cpu_threshold = 0.2;
  double burst_factor = 1.5;
  double decay_factor = 0.95;
  double max_burst_factor = 20;  // weight ceiling: base x this (the shield may cap lower)
  // Memory protection: PSI memory some or reclaim stall above these raise memory.low to the
  // current usage plus memory_low_headroom.
  double psi_memory_threshold = 0.05;
  double reclaim_stall_threshold = 0.02;
  double memory_low_headroom = 0.1;
};

class RulePolicy final : public AdaptivePolicy {
 public:
  RulePolicy(AdaptiveSetup setup, RuleConfig config = {});
  const char* name() const override { return "rule"; }

 private:
  std::vector<Proposed> propose(const Entries& entries, const features::HostContext& host,
                                Nanos now) override;
  RuleConfig config_;
  bool suppressing_ = false;
};

}  // namespace dwae::policy
