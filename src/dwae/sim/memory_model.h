// Memory of one workload: usage follows what it needs (working set, leak, managed heap);
// pressing against memory.high stalls it in reclaim; reaching memory.max kills it (OOM).
#pragma once

#include <cstdint>

#include "dwae/host/host.h"

namespace dwae::sim {

struct MemoryLimits {
  uint64_t min = 0, low = 0, high = kNoLimit, max = kNoLimit;
};

struct MemoryStep {
  double stall_fraction = 0;  // share of the step the workload spent in reclaim
  bool oom_killed = false;
};

class MemoryModel {
 public:
  // `wanted_bytes`: what the workload needs resident now. `host_excess_bytes`: this workload's
  // share of host-wide reclaim (0 when the host has room).
  MemoryStep step(double dt_ns, double wanted_bytes, const MemoryLimits& limits,
                  double host_excess_bytes);
  double current_bytes() const { return current_; }

  // Cumulative counters, as memory.events / memory.stat / PSI report them.
  uint64_t high_events = 0, oom_kills = 0, pgfault = 0, pgmajfault = 0;
  double reclaim_stall_ns = 0;
  double psi_some_ns = 0, psi_full_ns = 0;

 private:
  double current_ = 0;
};

// How hard reclaim bites: a workload that needs 10 % more than memory.high spends this many
// times 10 % of its time stalled (capped).
inline constexpr double kReclaimStallGain = 4.0;
inline constexpr double kMaxReclaimStall = 0.9;

}  // namespace dwae::sim
