// The trainer's randomness: every random draw of a run is derived from (run seed, iteration,
// stream) by SplitMix64, so an iteration's draws do not depend on what ran before it. That is
// what makes resuming from a checkpoint give the same model as an uninterrupted run.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>

namespace dwae::train {

// SplitMix64's finaliser: a well-mixed 64-bit value from any 64-bit value.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A seed for one purpose: mixes the parts in order.
inline uint64_t derive_seed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x6A09E667F3BCC909ULL;
  for (const uint64_t p : parts) h = mix64(h ^ p);
  return h;
}

// Uniform and normal draws written out (not std:: distributions), so runs are the same with
// any standard library.
class TrainRng {
 public:
  explicit TrainRng(uint64_t seed) : engine_(seed) {}
  // Uniform in (0, 1].
  double uniform() { return (static_cast<double>(engine_() >> 11) + 1.0) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * (uniform() - 0x1.0p-53); }
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  bool chance(double p) { return uniform() <= p; }
  double normal() {  // Box-Muller, one value per pair of draws (no hidden state to save)
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    return r * std::cos(6.283185307179586 * uniform());
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace dwae::train
