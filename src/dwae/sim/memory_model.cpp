// The reclaim model: usage above memory.high is taken back, and what is taken back from the
// working set faults in again, so the stall grows with how far the need exceeds the limit.
#include "dwae/sim/memory_model.h"

#include <algorithm>
#include <cmath>

namespace dwae::sim {

namespace {
constexpr double kPageBytes = 4096;
}

MemoryStep MemoryModel::step(double dt_ns, double wanted_bytes, const MemoryLimits& limits,
                             double host_reclaim_bytes) {
  MemoryStep result;
  const double max = limits.max == kNoLimit ? 1e30 : static_cast<double>(limits.max);
  const double high = limits.high == kNoLimit ? 1e30 : static_cast<double>(limits.high);
  if (wanted_bytes > current_) {
    pgfault += static_cast<uint64_t>((wanted_bytes - current_) / kPageBytes);
  }
  if (wanted_bytes >= max) {
    // The kernel cannot reclaim a working set it still needs: the OOM killer fires.
    ++oom_kills;
    result.oom_killed = true;
    current_ = 0;
    return result;
  }
  double stall = 0;
  double resident = wanted_bytes;
  if (wanted_bytes > high) {
    ++high_events;
    stall = kReclaimStallGain * (wanted_bytes - high) / high;
    resident = high;
  }
  if (host_reclaim_bytes > 0) {
    // Host-wide reclaim; whole bytes, rounded up, so that the host's sum never ends above it.
    const double taken = std::min(resident, std::ceil(host_reclaim_bytes));
    if (taken > 0 && resident > 0) {
      stall += kReclaimStallGain * taken / resident;
      resident -= taken;
    }
  }
  stall = std::min(stall, kMaxReclaimStall);
  if (stall > 0) {
    // Reclaimed working-set pages fault back in from swap or the page cache.
    pgmajfault += static_cast<uint64_t>(stall * dt_ns / 1e5);
  }
  current_ = resident;
  reclaim_stall_ns += stall * dt_ns;
  psi_some_ns += stall * dt_ns;
  psi_full_ns += stall * stall * dt_ns;  // all threads stalled at once becomes likely as it grows
  result.stall_fraction = stall;
  return result;
}

}  // namespace dwae::sim
