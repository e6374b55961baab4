// The simulator's only source of randomness: a seeded 64-bit Mersenne Twister with the few
// distributions the models need, written out so results do not depend on the standard
// library's distribution implementations.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace dwae::sim {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform in (0, 1]: never 0, so log() is always finite.
  double uniform() { return (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53; }
  double exponential(double mean) { return -mean * std::log(uniform()); }
  double normal() {  // Box-Muller: two values per pair of draws
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double angle = 6.283185307179586 * uniform();
    spare_ = r * std::sin(angle);
    has_spare_ = true;
    return r * std::cos(angle);
  }
  double lognormal(double mean, double cv) {
    const LognormalParams p = LognormalParams::of(mean, cv);
    return lognormal(p);
  }
  // The parameters of the underlying normal, computed once per distribution.
  struct LognormalParams {
    double mu = 0, sigma = 0;
    static LognormalParams of(double mean, double cv) {
      const double sigma2 = std::log(1.0 + cv * cv);
      return {std::log(mean) - sigma2 / 2.0, std::sqrt(sigma2)};
    }
  };
  double lognormal(const LognormalParams& p) { return std::exp(p.mu + p.sigma * normal()); }
  // A Poisson count with the given mean (inversion for small means, normal approximation
  // for large ones).
  uint64_t poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 50) {
      const double v = mean + std::sqrt(mean) * normal();
      return v <= 0 ? 0 : static_cast<uint64_t>(std::llround(v));
    }
    const double limit = std::exp(-mean);
    double product = uniform();
    uint64_t n = 0;
    while (product > limit) {
      product *= uniform();
      ++n;
    }
    return n;
  }
  uint64_t next() { return engine_(); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace dwae::sim
