// Request arrival processes: Poisson, bursty on/off (a Markov-modulated Poisson process),
// diurnal (a sinusoidal rate, by thinning) and periodic.
#pragma once

#include <array>

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
  // Diurnal thinning's squeeze: bounds of rate_at() over each of kSegments equal parts of the
  // period, a little wider than the part and the rate's rounding. A candidate drawn below the
  // low bound is accepted and one above the high bound refused without computing the sine; the
  // sine decides only between them, so the arrivals are exactly those of plain thinning.
  static constexpr int kSegments = 64;
  struct RateBounds {
    double low, high;
  };
  std::array<RateBounds, kSegments> envelope_{};
  double segments_per_radian_ = 0;
  bool on_ = true;
  double phase_end_ns_ = -1;  // on/off: when the current phase ends
};

inline constexpr double kNever = 1e30;

}  // namespace dwae::sim
