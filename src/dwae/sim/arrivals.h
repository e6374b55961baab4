// Request arrival processes: Poisson, bursty on/off (a Markov-modulated Poisson process),
// diurnal (a sinusoidal rate, by thinning) and periodic.
#pragma once

#include "dwae/sim/rng.h"
#include "dwae/sim/scenario.h"

namespace dwae::sim {

class ArrivalProcess {
 public:
  explicit ArrivalProcess(const ArrivalSpec& spec);
  // The first arrival strictly after `now_ns`, in nanoseconds; a huge value when the rate is
  // zero forever.
  double next_after(double now_ns, Rng& rng) {
    if (spec_.kind == ArrivalKind::kPoisson && spec_.rate > 0) {
      return now_ns + rng.exponential(mean_gap_ns_);
    }
    return next_after_other(now_ns, rng);
  }
  // The rate in force at `t_ns` (for reports and tests).
  double rate_at(double t_ns) const;

 private:
  double next_after_other(double now_ns, Rng& rng);
  ArrivalSpec spec_;
  double mean_gap_ns_ = 0;     // Poisson and periodic: 1 / rate
  double peak_gap_ns_ = 0;     // diurnal: 1 / peak rate, the thinning's candidate rate
  double radians_per_ns_ = 0;  // diurnal
  bool on_ = true;
  double phase_end_ns_ = -1;  // on/off: when the current phase ends
};

inline constexpr double kNever = 1e30;

}  // namespace dwae::sim
