// Arrival processes: the diurnal process's squeeze gives exactly the arrivals of plain thinning.
#include "dwae/sim/arrivals.h"

#include <gtest/gtest.h>

#include <chrono>

namespace dwae::sim {
namespace {

// Thinning without the squeeze: candidates at the peak rate, each kept with probability
// rate_at(t) / peak.
double plain_diurnal_next(const ArrivalProcess& p, const ArrivalSpec& spec, double now_ns,
                          Rng& rng) {
  const double peak = spec.rate * (1.0 + std::abs(spec.amplitude));
  double t = now_ns;
  for (;;) {
    t += rng.exponential(1e9 / peak);
    if (rng.uniform() * peak <= p.rate_at(t)) return t;
  }
}

TEST(Arrivals, DiurnalSqueezeKeepsExactlyThePlainThinningsArrivals) {
  for (const double amplitude : {0.0, 0.3, 0.5, 1.0}) {
    ArrivalSpec spec;
    spec.kind = ArrivalKind::kDiurnal;
    spec.rate = 2000;
    spec.amplitude = amplitude;
    spec.period = std::chrono::seconds(7);  // many periods in the run: phases far from zero
    ArrivalProcess squeezed(spec);
    const ArrivalProcess plain(spec);
    Rng a(42, "arrivals"), b(42, "arrivals");
    double ta = 0, tb = 0;
    size_t in_first_quarter = 0, in_third_quarter = 0, n = 0;
    for (;;) {
      ta = squeezed.next_after(ta, a);
      tb = plain_diurnal_next(plain, spec, tb, b);
      ASSERT_EQ(ta, tb) << "amplitude " << amplitude << ", arrival " << n;
      if (ta >= 28 * 7e9) break;  // 28 whole periods, about 392,000 arrivals
      ++n;
      const double phase = std::fmod(ta, 7e9) / 7e9;
      in_first_quarter += phase < 0.25 ? 1 : 0;
      in_third_quarter += phase >= 0.5 && phase < 0.75 ? 1 : 0;
    }
    // The rate follows the sine: the first quarter of a period (rising to the peak) holds
    // (1 + 2a/pi) / 4 of the arrivals, the third (falling to the trough) (1 - 2a/pi) / 4.
    const auto all = static_cast<double>(n);
    EXPECT_NEAR(all, 2000 * 196, 4 * std::sqrt(2000 * 196)) << amplitude;
    EXPECT_NEAR(in_first_quarter / all, (1 + 2 * amplitude / M_PI) / 4, 0.004) << amplitude;
    EXPECT_NEAR(in_third_quarter / all, (1 - 2 * amplitude / M_PI) / 4, 0.004) << amplitude;
  }
}

}  // namespace
}  // namespace dwae::sim
