// Request arrival processes: Poisson, bursty on/off (a Markov-modulated Poisson process),
// diurnal (a sinusoidal rate, by thinning) and periodic.
#pragma once

#include "dwae/sim/rng.h"
#include "dwae/sim/scenario.h"

namespace dwae::sim {

class ArrivalProcess {
 public:
  explicit ArrivalProcess(const ArrivalSpec& spec) : spec_(spec) {}
  // The first arrival strictly after `now_ns`, in nanoseconds; a huge value when the rate is
  // zero forever.
  double next_after(double now_ns, Rng& rng);
  // The rate in force at `t_ns` (for reports and tests).
  double rate_at(double t_ns) const;

 private:
  ArrivalSpec spec_;
  bool on_ = true;
  double phase_end_ns_ = -1;  // on/off: when the current phase ends
};

inline constexpr double kNever = 1e30;

}  // namespace dwae::sim
