// CFS bandwidth control (cpu.max / cpu.cfs_quota_us) with burst, counted as the kernel counts
// it: each period refills runtime by the quota (carrying unused runtime up to the burst); a
// cgroup that spends its runtime is throttled until the next period starts. Periods need not
// line up with simulation steps: a step may hold several period boundaries, or part of one.
#pragma once

#include <cstdint>

namespace dwae::sim {

class CfsBandwidth {
 public:
  // quota_ns = 0 means no limit.
  void configure(uint64_t quota_ns, uint64_t period_ns, uint64_t burst_ns);
  bool limited() const { return quota_ns_ != 0; }
  uint64_t period_ns() const { return period_ns_; }
  // Refills every period that ended by `now_ns`, where the next step starts.
  void advance_to(double now_ns) {
    step_start_ns_ = now_ns;
    if (now_ns >= pool_.period_end_ns || pool_.period_end_ns == 0) refill_to(now_ns);
  }
  // The most CPU (in cores) the cgroup may use over the step [now, now + dt) that starts at the
  // last advance_to(): the runtime it has left, plus what the periods ending inside the step
  // refill as its threads (as many as ran in the last charged step) spend it.
  double cap_cores(double dt_ns) const {
    if (!limited()) return 1e18;
    if (period_ends_inside(step_start_ns_, dt_ns)) return cap_across_periods(dt_ns);
    if (pool_.throttled || pool_.runtime_ns <= 0) return 0;
    return pool_.runtime_ns / dt_ns;
  }
  // Charges `used_ns` of CPU time spent over [now, now + dt); throttles if the runtime runs out
  // inside it, at the instant it would have run out with `runnable_cores` threads running, and
  // settles every period that ends inside the step. `active` says the cgroup had runnable work.
  void charge(double now_ns, double dt_ns, double used_ns, bool active, double runnable_cores) {
    if (runnable_cores > 0) last_rate_cores_ = runnable_cores;
    if (limited() && period_ends_inside(now_ns, dt_ns)) {
      charge_across_periods(now_ns, dt_ns, used_ns, active, runnable_cores);
      return;
    }
    if (active) pool_.active_in_period = true;
    if (!limited() || used_ns <= 0 || pool_.throttled) return;
    spend(now_ns, dt_ns, used_ns, runnable_cores);
  }
  bool throttled() const { return pool_.throttled; }

  uint64_t nr_periods = 0, nr_throttled = 0;
  double throttled_ns = 0;

 private:
  // The bandwidth pool's state between steps.
  struct Pool {
    double runtime_ns = 0;
    double period_end_ns = 0;
    bool throttled = false;
    double throttled_since_ns = 0;
    bool active_in_period = false;
  };
  struct Counters {
    uint64_t periods = 0, throttled = 0;
    double throttled_ns = 0;
  };
  bool period_ends_inside(double now_ns, double dt_ns) const {
    return pool_.period_end_ns < now_ns + dt_ns && pool_.period_end_ns != 0;
  }
  double cap_across_periods(double dt_ns) const;
  void charge_across_periods(double now_ns, double dt_ns, double used_ns, bool active,
                             double runnable_cores);
  void refill_to(double now_ns);
  // Ends the period at p.period_end_ns: counts it, ends a throttle and refills the runtime.
  void end_period(Pool& p, Counters& c) const;
  // Runs the pool at `rate` cores over [t0, t1) through every period boundary inside it (one
  // at t1 is left to advance_to); returns the CPU time the cgroup got.
  double run(Pool& p, Counters& c, double t0, double t1, double rate, bool active) const;
  double usage_at(double t0, double t1, double rate) const;
  void spend(double now_ns, double dt_ns, double used_ns, double runnable_cores);
  uint64_t quota_ns_ = 0, period_ns_ = 100'000'000, burst_ns_ = 0;
  Pool pool_;
  double step_start_ns_ = 0;
  double last_rate_cores_ = 0;  // threads that ran in the last charged step; 0 = not known
};

}  // namespace dwae::sim
