// Mirrors kernel/sched/fair.c: __refill_cfs_bandwidth_runtime() adds the quota and caps the
// pool at quota + burst; nr_periods counts periods in which the group was active,
// nr_throttled the periods in which it ran out, throttled_time the time spent throttled.
#include "dwae/sim/cfs_bandwidth.h"

#include <algorithm>

namespace dwae::sim {

void CfsBandwidth::configure(uint64_t quota_ns, uint64_t period_ns, uint64_t burst_ns) {
  const bool was_limited = limited();
  quota_ns_ = quota_ns;
  period_ns_ = period_ns == 0 ? 100'000'000 : period_ns;
  burst_ns_ = burst_ns;
  if (!was_limited) runtime_ns_ = static_cast<double>(quota_ns_);
  runtime_ns_ = std::min(runtime_ns_, static_cast<double>(quota_ns_ + burst_ns_));
}

void CfsBandwidth::refill_to(double now_ns) {
  if (period_end_ns_ == 0) {
    period_end_ns_ = now_ns + static_cast<double>(period_ns_);
    return;
  }
  while (now_ns >= period_end_ns_) {
    if (active_in_period_) ++nr_periods;
    active_in_period_ = false;
    if (throttled_) {
      throttled_ns += period_end_ns_ - throttled_since_ns_;
      throttled_ = false;
    }
    runtime_ns_ = std::min(runtime_ns_ + static_cast<double>(quota_ns_),
                           static_cast<double>(quota_ns_ + burst_ns_));
    period_end_ns_ += static_cast<double>(period_ns_);
  }
}

void CfsBandwidth::spend(double now_ns, double dt_ns, double used_ns, double runnable_cores) {
  const double before = runtime_ns_;
  runtime_ns_ -= used_ns;
  if (runtime_ns_ <= 1e-6) {
    // The runtime ran out part-way through the step: the runnable threads ran flat out until
    // it was gone (the step's cap only spread the same runtime over the whole step).
    throttled_ = true;
    ++nr_throttled;
    const double rate = std::max(runnable_cores, used_ns / dt_ns);
    throttled_since_ns_ = now_ns + std::clamp(before / rate, 0.0, dt_ns);
  }
}

}  // namespace dwae::sim
