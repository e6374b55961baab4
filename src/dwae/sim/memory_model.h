// Memory of one workload: usage follows what it needs (working set, leak, managed heap);
// pressing against memory.high stalls it in reclaim; reaching memory.max kills it (OOM). Host
// reclaim takes what the host chose (see HostHolding) and stalls it the same way.
#pragma once

#include <algorithm>
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

// What a workload can hold resident against host memory, split by protection: its need held
// down to memory.high (0 if memory.max kills it), of which `min` lies under memory.min and
// `low` between memory.min and memory.low. The rest is unprotected.
struct HostHolding {
  double held = 0, min = 0, low = 0;
  double unprotected() const { return held - min - low; }
};
inline HostHolding host_holding(double wanted_bytes, const MemoryLimits& limits) {
  HostHolding h;
  if (limits.max != kNoLimit && wanted_bytes >= static_cast<double>(limits.max)) return h;
  h.held = limits.high == kNoLimit ? wanted_bytes
                                   : std::min(wanted_bytes, static_cast<double>(limits.high));
  h.min = std::min(h.held, static_cast<double>(limits.min));
  h.low = std::min(h.held, static_cast<double>(std::max(limits.low, limits.min))) - h.min;
  return h;
}

class MemoryModel {
 public:
  // `wanted_bytes`: what the workload needs resident now. `host_reclaim_bytes`: what host-wide
  // reclaim takes from what it holds (0 when the host has room); the host decides it, within
  // the workload's effective protection.
  MemoryStep step(double dt_ns, double wanted_bytes, const MemoryLimits& limits,
                  double host_reclaim_bytes);
  // Killed by the host's OOM killer (the host's memory.min cannot be honoured).
  void oom_kill() {
    ++oom_kills;
    current_ = 0;
  }
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
