// Arrival times are drawn one at a time, so a process costs one random draw per request.
#include "dwae/sim/arrivals.h"

#include <cmath>

namespace dwae::sim {

namespace {
constexpr double kNsPerSecond = 1e9;
}

ArrivalProcess::ArrivalProcess(const ArrivalSpec& spec) : spec_(spec) {
  if (spec_.rate > 0) mean_gap_ns_ = kNsPerSecond / spec_.rate;
  const double peak = spec_.rate * (1.0 + std::abs(spec_.amplitude));
  if (peak > 0) peak_gap_ns_ = kNsPerSecond / peak;
  radians_per_ns_ = 6.283185307179586 / static_cast<double>(spec_.period.count());
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
        if (rng.uniform() * peak <= rate_at(t)) return t;
      }
      return kNever;
    }
  }
  return kNever;
}

}  // namespace dwae::sim
