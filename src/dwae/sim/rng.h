// The simulator's only source of randomness: xoshiro256** streams seeded by splitmix64, one per
// workload (derived from the scenario seed and the workload's name, so that a policy that
// changes one workload's timing does not shift another's draws), with the few distributions the
// models need written out (ziggurat exponential and normal) so that results do not depend on the
// standard library's distribution implementations.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace dwae::sim {

// Marsaglia and Tsang's ziggurat with 256 layers: x[0] is the width of the base strip's
// rectangle of the same area (V / f(R)), x[1] = R, ..., x[256] = 0; f[i] = f(x[i]) with the
// unnormalised density f.
struct ZigguratTable {
  std::array<double, 257> x{};
  std::array<double, 257> f{};
};

namespace detail {

template <typename Pdf, typename Inverse>
ZigguratTable make_ziggurat(double r, double v, Pdf pdf, Inverse inverse) {
  ZigguratTable t;
  t.x[0] = v / pdf(r);
  t.x[1] = r;
  for (size_t i = 2; i < 256; ++i) t.x[i] = inverse(v / t.x[i - 1] + pdf(t.x[i - 1]));
  t.x[256] = 0;
  for (size_t i = 0; i < 257; ++i) t.f[i] = pdf(t.x[i]);
  return t;
}

inline constexpr double kNormalR = 3.6541528853610088;
inline constexpr double kExponentialR = 7.69711747013104972;

inline const ZigguratTable& normal_table() {
  static const ZigguratTable table = make_ziggurat(
      kNormalR, 0.00492867323399, [](double x) { return std::exp(-0.5 * x * x); },
      [](double y) { return std::sqrt(-2.0 * std::log(y)); });
  return table;
}

inline const ZigguratTable& exponential_table() {
  static const ZigguratTable table = make_ziggurat(
      kExponentialR, 0.0039496598225815571993, [](double x) { return std::exp(-x); },
      [](double y) { return -std::log(y); });
  return table;
}

// exp(x) for the lognormal's per-request draw: 2^(n/64) from a table times a degree-5
// polynomial on |r| <= ln2/128, within 2 ulp of std::exp and about a fifth of its cost.
inline const std::array<double, 64>& exp2_sixty_fourths() {
  static const std::array<double, 64> table = [] {
    std::array<double, 64> t{};
    for (size_t j = 0; j < 64; ++j) t[j] = std::exp2(static_cast<double>(j) / 64.0);
    return t;
  }();
  return table;
}

inline double fast_exp(double x) {
  if (!(x > -700.0 && x < 700.0)) return std::exp(x);
  constexpr double kSixtyFourOverLn2 = 92.332482616893656;  // 64 / ln 2
  // ln 2 / 64 in two parts (fdlibm's ln2_hi, ln2_lo over 64): n * hi is exact.
  constexpr double kLn2OverSixtyFourHi = 6.93147180369123816490e-01 / 64;
  constexpr double kLn2OverSixtyFourLo = 1.90821492927058770002e-10 / 64;
  constexpr double kRound = 0x1.8p52;  // adding and subtracting it rounds to an integer
  const double n = (x * kSixtyFourOverLn2 + kRound) - kRound;
  const double r = (x - n * kLn2OverSixtyFourHi) - n * kLn2OverSixtyFourLo;
  const double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
  const auto k = static_cast<int64_t>(n);
  const int64_t e = k >> 6;  // floor(k / 64), also for negative k
  const double scale = std::bit_cast<double>(static_cast<uint64_t>(1023 + e) << 52);
  return scale * exp2_sixty_fourths()[static_cast<size_t>(k & 63)] * p;
}

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace detail

class Rng {
 public:
  explicit Rng(uint64_t seed) { seed_state(seed); }
  // The stream of one named user (a workload) under a scenario seed: FNV-1a of the name mixed
  // into the seed, so streams of different names are unrelated and each is reproducible.
  Rng(uint64_t seed, std::string_view stream) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : stream) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    seed_state(seed ^ detail::rotl(h, 17) ^ (h * 0x9e3779b97f4a7c15ULL));
  }

  uint64_t next() {  // xoshiro256**
    const uint64_t result = detail::rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = detail::rotl(s_[3], 45);
    return result;
  }
  // Uniform in (0, 1]: never 0, so log() is always finite.
  double uniform() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }
  // Exponential with mean 1 (ziggurat: one draw and a table look-up in 99 % of cases). The
  // common case is inline; the rejection steps continue out of line with the same draws.
  [[gnu::always_inline]] double standard_exponential() {
    const ZigguratTable& t = detail::exponential_table();
    const uint64_t bits = next();
    const size_t i = bits & 0xff;
    const double u = (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
    const double x = u * t.x[i];
    if (x < t.x[i + 1]) [[likely]]
      return x;
    return standard_exponential_rejected(i, x);
  }
  [[gnu::always_inline]] double exponential(double mean) { return mean * standard_exponential(); }
  // Standard normal (ziggurat; the tail beyond R by Marsaglia's method).
  [[gnu::always_inline]] double normal() {
    const ZigguratTable& t = detail::normal_table();
    const uint64_t bits = next();
    const size_t i = bits & 0xff;
    const double u = (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-52 - 1.0;  // (-1, 1)
    const double x = u * t.x[i];
    if (std::abs(x) < t.x[i + 1]) [[likely]]
      return x;
    return normal_rejected(i, u, x);
  }
  // The parameters of the underlying normal, computed once per distribution.
  struct LognormalParams {
    double mu = 0, sigma = 0;
    static LognormalParams of(double mean, double cv) {
      const double sigma2 = std::log(1.0 + cv * cv);
      return {std::log(mean) - sigma2 / 2.0, std::sqrt(sigma2)};
    }
  };
  double lognormal(double mean, double cv) { return lognormal(LognormalParams::of(mean, cv)); }
  double lognormal(const LognormalParams& p) { return detail::fast_exp(p.mu + p.sigma * normal()); }
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

 private:
  // The draw (layer `i`, `x`) fell outside its layer's rectangle: the wedge or tail test, then
  // fresh draws until one is accepted.
  [[gnu::noinline]] double standard_exponential_rejected(size_t i, double x) {
    const ZigguratTable& t = detail::exponential_table();
    for (;;) {
      if (i == 0) return detail::kExponentialR - std::log(uniform());  // memoryless tail
      if (t.f[i + 1] + (t.f[i] - t.f[i + 1]) * uniform() < std::exp(-x)) return x;
      const uint64_t bits = next();
      i = bits & 0xff;
      const double u = (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
      x = u * t.x[i];
      if (x < t.x[i + 1]) return x;
    }
  }
  [[gnu::noinline]] double normal_rejected(size_t i, double u, double x) {
    const ZigguratTable& t = detail::normal_table();
    for (;;) {
      if (i == 0) {
        double tail = 0, y = 0;
        do {
          tail = -std::log(uniform()) / detail::kNormalR;
          y = -std::log(uniform());
        } while (y + y < tail * tail);
        return u < 0 ? -(detail::kNormalR + tail) : detail::kNormalR + tail;
      }
      if (t.f[i + 1] + (t.f[i] - t.f[i + 1]) * uniform() < std::exp(-0.5 * x * x)) return x;
      const uint64_t bits = next();
      i = bits & 0xff;
      u = (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-52 - 1.0;
      x = u * t.x[i];
      if (std::abs(x) < t.x[i + 1]) return x;
    }
  }
  void seed_state(uint64_t seed) {
    for (auto& word : s_) word = detail::splitmix64(seed);
  }
  std::array<uint64_t, 4> s_{};
};

}  // namespace dwae::sim
