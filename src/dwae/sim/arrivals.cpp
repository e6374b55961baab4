// Arrival times are drawn one at a time, so a process costs one random draw per request.
#include "dwae/sim/arrivals.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace dwae::sim {

namespace {
constexpr double kNsPerSecond = 1e9;
constexpr double kTwoPi = 6.283185307179586;
}  // namespace

ArrivalProcess::ArrivalProcess(const ArrivalSpec& spec) : spec_(spec) {
  if (spec_.rate > 0) mean_gap_ns_ = kNsPerSecond / spec_.rate;
  const double peak = spec_.rate * (1.0 + std::abs(spec_.amplitude));
  if (peak > 0) peak_gap_ns_ = kNsPerSecond / peak;
  radians_per_ns_ = kTwoPi / static_cast<double>(spec_.period.count());
  segments_per_radian_ = kSegments / kTwoPi;
  // Each part widened by a millionth of its width on both sides: the segment of a phase is
  // computed with a rounded 2 pi, off by far less than that for any phase this side of 10^8
  // periods. The bounds are widened by a billionth of the rate, far beyond rate_at's rounding.
  const double width = kTwoPi / kSegments;
  const double slack = 1e-9 * std::abs(spec_.rate);
  for (int j = 0; j < kSegments; ++j) {
    const double a = (j - 1e-6) * width, b = (j + 1 + 1e-6) * width;
    double lo = std::min(std::sin(a), std::sin(b)), hi = std::max(std::sin(a), std::sin(b));
    if (a <= kTwoPi / 4 && kTwoPi / 4 <= b) hi = 1;
    if (a <= 3 * kTwoPi / 4 && 3 * kTwoPi / 4 <= b) lo = -1;
    const double r_lo = spec_.rate * (1.0 + spec_.amplitude * lo);
    const double r_hi = spec_.rate * (1.0 + spec_.amplitude * hi);
    envelope_[static_cast<size_t>(j)] = {std::max(0.0, std::min(r_lo, r_hi)) - slack,
                                         std::max(0.0, std::max(r_lo, r_hi)) + slack};
  }
}

double ArrivalProcess::rate_at(double t_ns) const {
  switch (spec_.kind) {
    case ArrivalKind::kPoisson:
    case ArrivalKind::kPeriodic:
      return spec_.rate;
    case ArrivalKind::kOnOff:
      return on_ ? spec_.rate : spec_.off_rate;
    case ArrivalKind::kDiurnal: {
      const double phase = radians_per_ns_ * t_ns;
      return std::max(0.0, spec_.rate * (1.0 + spec_.amplitude * std::sin(phase)));
    }
  }
  return spec_.rate;
}

double ArrivalProcess::next_after_other(double now_ns, Rng& rng) {
  switch (spec_.kind) {
    case ArrivalKind::kPoisson:
      if (spec_.rate <= 0) return kNever;
      return now_ns + rng.exponential(mean_gap_ns_);
    case ArrivalKind::kPeriodic:
      if (spec_.rate <= 0) return kNever;
      return now_ns + mean_gap_ns_;
    case ArrivalKind::kOnOff: {
      if (spec_.rate <= 0 && spec_.off_rate <= 0) return kNever;
      double t = now_ns;
      if (phase_end_ns_ < 0) phase_end_ns_ = rng.exponential(static_cast<double>(spec_.on.count()));
      for (int guard = 0; guard < 1'000'000; ++guard) {
        const double rate = on_ ? spec_.rate : spec_.off_rate;
        // Memoryless: a draw that lands past the phase end is discarded and redrawn from there.
        const double candidate = rate > 0 ? t + rng.exponential(kNsPerSecond / rate) : kNever;
        if (candidate < phase_end_ns_) return candidate;
        t = phase_end_ns_;
        on_ = !on_;
        phase_end_ns_ =
            t + rng.exponential(static_cast<double>((on_ ? spec_.on : spec_.off).count()));
      }
      return kNever;
    }
    case ArrivalKind::kDiurnal: {
      const double peak = spec_.rate * (1.0 + std::abs(spec_.amplitude));
      if (peak <= 0) return kNever;
      double t = now_ns;
      for (int guard = 0; guard < 1'000'000; ++guard) {
        t += rng.exponential(peak_gap_ns_);
        const double x = rng.uniform() * peak;
        const auto part = static_cast<int64_t>(radians_per_ns_ * t * segments_per_radian_);
        const RateBounds& bounds = envelope_[static_cast<size_t>(part % kSegments)];
        if (x <= bounds.low) return t;
        if (x > bounds.high) continue;
        if (x <= rate_at(t)) return t;
      }
      return kNever;
    }
  }
  return kNever;
}

}  // namespace dwae::sim
