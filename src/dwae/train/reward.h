// The training reward (SPEC DEC-2), measured per control tick from the simulator's metrics:
// penalties for latency-sensitive tails above target and SLA-violating windows, video stalls,
// throughput fluctuation above the class's CV target, CPU and memory fragmentation above 8 %;
// credit for CPU utilisation and for running the host's overcommit while every SLA holds; a
// small cost per change. The terms and their weights are documented in docs/training.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/host.h"
#include "dwae/sim/metrics.h"
#include "dwae/sim/scenario.h"

namespace dwae::train {

struct RewardWeights {
  double tail = 1.0;           // per unit of tail excess (below)
  double sla = 2.0;            // per 1 s window whose P99 exceeded the target
  double stall = 1.0;          // per unit of stall excess
  double cv = 0.25;            // per unit of relative CV excess
  double fragmentation = 5.0;  // per unit of fragmentation above the limit
  double utilisation = 1.0;    // per unit of CPU utilisation
  double overcommit = 0.2;     // per unit of overcommit credit
  double change = 0.02;        // per changed setting (cpu.weight, io.weight, memory.low)
  double change_size = 0.1;    // per unit of |ln(new / old)| over the changed settings

  // Targets the terms are measured against (DEC-2).
  double tail_share = 0.01;           // P99 <= target  <=>  at most 1 % of requests over it
  double stall_share = 0.01;          // stall-rate SLA (SPEC 7: 1 %)
  double cv_target = 0.15;            // for throughput classes without their own target
  double fragmentation_limit = 0.08;  // DEC-2
  double overcommit_goal = 5.0;       // DEC-2: 1:5
  size_t cv_windows = 10;             // trailing 1 s windows the CV is measured over
};

// "tail=1.5,sla=3" -> weights; unknown names and bad numbers are errors naming them.
Result<RewardWeights> parse_reward_weights(const std::string& text, RewardWeights base = {});
std::string format_reward_weights(const RewardWeights& w);

// One tick's terms, each a non-negative magnitude (the weights give the sign).
struct RewardTerms {
  double tail =
      0;           // mean over latency-sensitive classes of min(3, (over-target share - 1 %) x 10)+
  double sla = 0;  // mean over latency-sensitive classes of windows that closed violating
  double stall = 0;          // mean over video classes of min(3, (missed share - 1 %) x 10)+
  double cv = 0;             // mean over throughput classes of min(2, (CV - target) / target)+
  double fragmentation = 0;  // (CPU fragmentation - 8 %)+ + (memory fragmentation - 8 %)+
  double utilisation = 0;    // CPU used / capacity over the tick
  double overcommit = 0;     // min(1, overcommit / 5) when no latency-sensitive tail was over
  double changes = 0;        // changed settings per workload
  double change_size = 0;    // sum of |ln(new / old)| per workload
  RewardTerms& operator+=(const RewardTerms& o);
  RewardTerms scaled(double k) const;
};

double combine(const RewardTerms& t, const RewardWeights& w);

// Measures the terms between ticks from cumulative simulator metrics.
class RewardMeter {
 public:
  RewardMeter(const sim::Scenario& scenario, const RewardWeights& weights);
  // The terms since the previous call (or since construction); `metrics` are the simulator's.
  RewardTerms measure(const sim::Metrics& metrics);
  // Adds the change terms of a decision against what was applied before it.
  static void count_changes(const Decision& decision, const HostSample& before, size_t workloads,
                            RewardTerms& terms);

 private:
  struct ClassState {
    WorkloadClassKind kind = WorkloadClassKind::kBestEffort;
    bool has_target = false, has_frames = false;
    double cv_target = 0.15;
    uint64_t requests = 0, over = 0, failed = 0, violating = 0, frames = 0, missed = 0;
  };
  RewardWeights weights_;
  double overcommit_ = 0;
  std::vector<ClassState> classes_;
  sim::HostMetrics host_;
};

}  // namespace dwae::train
