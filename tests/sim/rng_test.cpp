// The simulator's random streams: reproducible per (seed, name), unrelated across names, and the
// ziggurat samplers give the exponential and normal distributions, tails included.
#include "dwae/sim/rng.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dwae::sim {
namespace {

constexpr int kDraws = 2'000'000;

TEST(Rng, SameSeedAndNameGiveTheSameStreamOtherNamesAnother) {
  Rng a(42, "web-1/arrivals"), b(42, "web-1/arrivals"), c(42, "web-2/arrivals"),
      d(43, "web-1/arrivals");
  int same_c = 0, same_d = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    same_c += x == c.next() ? 1 : 0;
    same_d += x == d.next() ? 1 : 0;
  }
  EXPECT_EQ(same_c, 0);
  EXPECT_EQ(same_d, 0);
}

TEST(Rng, UniformIsInTheHalfOpenUnitInterval) {
  Rng rng(1, "u");
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LE(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / kDraws, 0.5, 0.002);
}

TEST(Rng, ZigguratExponentialMatchesMomentsAndTail) {
  Rng rng(2, "exp");
  double sum = 0, sum2 = 0;
  int above3 = 0, above8 = 0;  // 8 is past the ziggurat's base R = 7.697
  for (int i = 0; i < kDraws; ++i) {
    const double x = rng.exponential(1.0);
    ASSERT_GE(x, 0.0);
    sum += x;
    sum2 += x * x;
    above3 += x > 3 ? 1 : 0;
    above8 += x > 8 ? 1 : 0;
  }
  const double mean = sum / kDraws;
  EXPECT_NEAR(mean, 1.0, 0.004);  // sd of the mean 0.0007
  EXPECT_NEAR(sum2 / kDraws - mean * mean, 1.0, 0.01);
  EXPECT_NEAR(static_cast<double>(above3) / kDraws, std::exp(-3.0), 0.0008);
  // P(X > 8) = 3.35e-4: 671 expected, sd 26.
  EXPECT_NEAR(above8, kDraws * std::exp(-8.0), 130);
}

TEST(Rng, ZigguratNormalMatchesMomentsAndTails) {
  Rng rng(3, "normal");
  double sum = 0, sum2 = 0, sum3 = 0;
  int above2 = 0, below_minus2 = 0, beyond_r = 0;  // R = 3.654
  for (int i = 0; i < kDraws; ++i) {
    const double z = rng.normal();
    sum += z;
    sum2 += z * z;
    sum3 += z * z * z;
    above2 += z > 2 ? 1 : 0;
    below_minus2 += z < -2 ? 1 : 0;
    beyond_r += std::abs(z) > 3.7 ? 1 : 0;
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 0.004);
  EXPECT_NEAR(sum2 / kDraws, 1.0, 0.01);
  EXPECT_NEAR(sum3 / kDraws, 0.0, 0.02);
  const double tail2 = 0.022750131948179;  // P(Z > 2)
  EXPECT_NEAR(static_cast<double>(above2) / kDraws, tail2, 0.0008);
  EXPECT_NEAR(static_cast<double>(below_minus2) / kDraws, tail2, 0.0008);
  // P(|Z| > 3.7) = 2.156e-4: 431 expected, sd 21.
  EXPECT_NEAR(beyond_r, kDraws * 2.1563e-4, 105);
}

TEST(Rng, FastExpIsWithinAFewUlpOfStdExp) {
  Rng rng(5, "exp");
  double worst = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const double x = (rng.uniform() - 0.5) * (i % 2 == 0 ? 1400.0 : 60.0);
    const double exact = std::exp(x);
    worst = std::max(worst, std::abs(detail::fast_exp(x) - exact) / exact);
  }
  EXPECT_LT(worst, 4 * 2.220446049250313e-16);
  EXPECT_EQ(detail::fast_exp(0.0), 1.0);
  EXPECT_EQ(detail::fast_exp(-1000.0), std::exp(-1000.0));  // outside the table's range
}

TEST(Rng, LognormalHasTheRequestedMeanAndCv) {
  Rng rng(4, "lognormal");
  const auto params = Rng::LognormalParams::of(2.0, 1.0);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = rng.lognormal(params);
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / kDraws;
  const double cv = std::sqrt(sum2 / kDraws - mean * mean) / mean;
  EXPECT_NEAR(mean, 2.0, 0.01);
  EXPECT_NEAR(cv, 1.0, 0.03);
}

}  // namespace
}  // namespace dwae::sim
