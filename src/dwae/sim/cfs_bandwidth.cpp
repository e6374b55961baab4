// Mirrors kernel/sched/fair.c: __refill_cfs_bandwidth_runtime() adds the quota and caps the
// pool at quota + burst at every period; nr_periods counts periods in which the group was
// active (the period timer runs only while a quota is set), nr_throttled the periods in which
// it ran out, throttled_time the time spent throttled. A step that holds period boundaries is
// played period by period, the group's threads running at one rate until the runtime is gone.
#include "dwae/sim/cfs_bandwidth.h"

#include <algorithm>

namespace dwae::sim {
namespace {

constexpr double kRunOutNs = 1e-6;  // runtime at or below this has run out
constexpr double kAnyRate = 1e18;   // a rate that spends any period's runtime at once
constexpr int kRateSearchSteps = 60;

}  // namespace

void CfsBandwidth::configure(uint64_t quota_ns, uint64_t period_ns, uint64_t burst_ns) {
  const bool was_limited = limited();
  quota_ns_ = quota_ns;
  period_ns_ = period_ns == 0 ? 100'000'000 : period_ns;
  burst_ns_ = burst_ns;
  if (!was_limited) pool_.runtime_ns = static_cast<double>(quota_ns_);
  pool_.runtime_ns = std::min(pool_.runtime_ns, static_cast<double>(quota_ns_ + burst_ns_));
}

void CfsBandwidth::end_period(Pool& p, Counters& c) const {
  if (p.active_in_period && limited()) ++c.periods;
  p.active_in_period = false;
  if (p.throttled) {
    c.throttled_ns += p.period_end_ns - p.throttled_since_ns;
    p.throttled = false;
  }
  p.runtime_ns = std::min(p.runtime_ns + static_cast<double>(quota_ns_),
                          static_cast<double>(quota_ns_ + burst_ns_));
  p.period_end_ns += static_cast<double>(period_ns_);
}

void CfsBandwidth::refill_to(double now_ns) {
  if (pool_.period_end_ns == 0) {
    pool_.period_end_ns = now_ns + static_cast<double>(period_ns_);
    return;
  }
  Counters c;
  while (now_ns >= pool_.period_end_ns) end_period(pool_, c);
  nr_periods += c.periods;
  nr_throttled += c.throttled;
  throttled_ns += c.throttled_ns;
}

double CfsBandwidth::run(Pool& p, Counters& c, double t0, double t1, double rate,
                         bool active) const {
  double used = 0;
  for (double t = t0;;) {
    if (active) p.active_in_period = true;
    const double end = std::min(t1, p.period_end_ns);
    if (!p.throttled && rate > 0 && end > t) {
      const double want = rate * (end - t);
      if (p.runtime_ns - want <= kRunOutNs) {
        const double got = std::max(0.0, p.runtime_ns);
        used += got;
        p.runtime_ns -= got;
        p.throttled = true;
        ++c.throttled;
        p.throttled_since_ns = t + got / rate;
      } else {
        used += want;
        p.runtime_ns -= want;
      }
    }
    if (p.period_end_ns >= t1) return used;
    t = p.period_end_ns;
    end_period(p, c);
  }
}

double CfsBandwidth::usage_at(double t0, double t1, double rate) const {
  Pool p = pool_;
  Counters c;
  return run(p, c, t0, t1, rate, false);
}

double CfsBandwidth::cap_across_periods(double dt_ns) const {
  // Runtime refilled inside the step can be spent only after its refill, by the threads there
  // are; with no step charged yet, any number of threads.
  const double rate = last_rate_cores_ > 0 ? last_rate_cores_ : kAnyRate;
  return usage_at(step_start_ns_, step_start_ns_ + dt_ns, rate) / dt_ns;
}

void CfsBandwidth::charge_across_periods(double now_ns, double dt_ns, double used_ns, bool active,
                                         double runnable_cores) {
  // The group's threads ran at the rate that spends `used_ns` across the step's periods:
  // `runnable_cores` when that matches (they ran flat out until each period's runtime was
  // gone), lower when contention held them back, higher when more was charged than they could
  // have run (the cap assumed the last step's threads).
  const double t1 = now_ns + dt_ns;
  const double target = std::max(0.0, used_ns);
  double rate = 0;
  if (target > 0) {
    const double goal = std::min(target, usage_at(now_ns, t1, kAnyRate)) - kRunOutNs;
    const double threads = std::max(0.0, runnable_cores);
    const double at_threads = threads > 0 ? usage_at(now_ns, t1, threads) : 0;
    double lo = 0, hi = threads;
    if (at_threads < goal) {
      lo = threads;
      hi = std::max(threads, target / dt_ns);
      while (hi < kAnyRate && usage_at(now_ns, t1, hi) < goal) hi *= 2;
    }
    if (at_threads >= goal && at_threads <= goal + 2 * kRunOutNs) {
      rate = threads;
    } else {
      for (int i = 0; i < kRateSearchSteps; ++i) {
        const double mid = (lo + hi) / 2;
        (usage_at(now_ns, t1, mid) >= goal ? hi : lo) = mid;
      }
      rate = hi;
    }
  }
  Counters c;
  const double got = run(pool_, c, now_ns, t1, rate, active);
  // CPU charged beyond what the periods held (and the search's rounding) is carried as an
  // overrun into the next refill, as the kernel carries a negative runtime.
  pool_.runtime_ns -= target - got;
  if (target - got > kRunOutNs && !pool_.throttled) {
    pool_.throttled = true;
    ++c.throttled;
    pool_.throttled_since_ns = t1;
  }
  nr_periods += c.periods;
  nr_throttled += c.throttled;
  throttled_ns += c.throttled_ns;
}

void CfsBandwidth::spend(double now_ns, double dt_ns, double used_ns, double runnable_cores) {
  const double before = pool_.runtime_ns;
  pool_.runtime_ns -= used_ns;
  if (pool_.runtime_ns <= kRunOutNs) {
    // The runtime ran out part-way through the step: the runnable threads ran flat out until
    // it was gone (the step's cap only spread the same runtime over the whole step).
    pool_.throttled = true;
    ++nr_throttled;
    const double rate = std::max(runnable_cores, used_ns / dt_ns);
    pool_.throttled_since_ns = now_ns + std::clamp(before / rate, 0.0, dt_ns);
  }
}

}  // namespace dwae::sim
