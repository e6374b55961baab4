// CFS bandwidth control (cpu.max / cpu.cfs_quota_us) with burst, counted as the kernel counts
// it: each period refills runtime by the quota (carrying unused runtime up to the burst); a
// cgroup that spends its runtime is throttled until the next period starts.
#pragma once

#include <cstdint>

namespace dwae::sim {

class CfsBandwidth {
 public:
  // quota_ns = 0 means no limit.
  void configure(uint64_t quota_ns, uint64_t period_ns, uint64_t burst_ns);
  bool limited() const { return quota_ns_ != 0; }
  uint64_t period_ns() const { return period_ns_; }
  // Refills every period that ended by `now_ns`.
  void advance_to(double now_ns) {
    if (now_ns >= period_end_ns_ || period_end_ns_ == 0) refill_to(now_ns);
  }
  // The most CPU (in cores) the cgroup may use over [now, now + dt) before throttling.
  double cap_cores(double dt_ns) const {
    if (!limited()) return 1e18;
    if (throttled_ || runtime_ns_ <= 0) return 0;
    return runtime_ns_ / dt_ns;
  }
  // Charges `used_ns` of CPU time spent over [now, now + dt); throttles if the runtime runs out
  // inside it, at the instant it would have run out with `runnable_cores` threads running.
  // `active` says the cgroup had runnable work.
  void charge(double now_ns, double dt_ns, double used_ns, bool active, double runnable_cores) {
    if (active) active_in_period_ = true;
    if (!limited() || used_ns <= 0 || throttled_) return;
    spend(now_ns, dt_ns, used_ns, runnable_cores);
  }
  bool throttled() const { return throttled_; }
  // The next instant a period boundary falls, for aligning simulation steps.
  double next_boundary_ns() const { return period_end_ns_; }

  uint64_t nr_periods = 0, nr_throttled = 0;
  double throttled_ns = 0;

 private:
  void refill_to(double now_ns);
  void spend(double now_ns, double dt_ns, double used_ns, double runnable_cores);
  uint64_t quota_ns_ = 0, period_ns_ = 100'000'000, burst_ns_ = 0;
  double runtime_ns_ = 0;
  double period_end_ns_ = 0;
  bool throttled_ = false;
  double throttled_since_ns_ = 0;
  bool active_in_period_ = false;
};

}  // namespace dwae::sim
