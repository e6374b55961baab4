// Fidelity against queueing theory: an M/M/1 and an M/M/c service alone on a host must match
// the analytic mean and P99 of the sojourn time within 5 %.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "dwae/common/clock.h"
#include "dwae/sim/sim_host.h"
#include "sim/sim_support.h"

namespace dwae::sim {
namespace {

// Erlang C: the probability an arrival waits, for c servers at offered load a = lambda/mu.
double erlang_c(int c, double a) {
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const double last = term * a / c;  // a^c / c!
  const double rho = a / c;
  const double top = last / (1 - rho);
  return top / (sum + top);
}

// P(sojourn > t) for M/M/c: wait is 0 with prob 1-C, else Exp(c mu - lambda); plus Exp(mu).
double mmc_tail(int c, double lambda, double mu, double t) {
  const double pw = erlang_c(c, lambda / mu);
  const double theta = c * mu - lambda;
  if (std::abs(theta - mu) < 1e-12) return std::exp(-mu * t) * (1 + pw * mu * t);
  return std::exp(-mu * t) + pw * mu / (theta - mu) * (std::exp(-mu * t) - std::exp(-theta * t));
}

double mmc_quantile(int c, double lambda, double mu, double q) {
  double lo = 0, hi = 100 / mu;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    if (mmc_tail(c, lambda, mu, mid) > 1 - q) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

double mmc_mean(int c, double lambda, double mu) {
  return erlang_c(c, lambda / mu) / (c * mu - lambda) + 1 / mu;
}

struct Measured {
  double mean_s, p99_s;
};

Measured run_mmc(int c, double lambda, double mu, Nanos duration) {
  Scenario s = test::host_with(static_cast<uint32_t>(c) + 2, duration, 12345);
  s.classes.push_back(test::latency_class("ls"));
  s.workloads.push_back(test::mm_service("svc", "ls", lambda, Nanos{static_cast<int64_t>(1e9 / mu)},
                                         static_cast<uint32_t>(c)));
  ManualClock clock;
  SimHost host(s, clock);
  host.run_until(duration);
  const auto& m = host.metrics().classes[0].latency;
  return {m.mean() / 1e9, m.quantile(0.99) / 1e9};
}

TEST(QueueingFidelity, MM1MatchesAnalyticMeanAndP99) {
  const double lambda = 800, mu = 1000;  // rho = 0.8
  const Measured m = run_mmc(1, lambda, mu, Nanos{2'000'000'000'000});
  const double mean = 1 / (mu - lambda);
  const double p99 = std::log(100.0) / (mu - lambda);
  std::printf("M/M/1: mean %.4f ms (theory %.4f), p99 %.4f ms (theory %.4f)\n", m.mean_s * 1e3,
              mean * 1e3, m.p99_s * 1e3, p99 * 1e3);
  EXPECT_NEAR(m.mean_s / mean, 1.0, 0.05) << "mean " << m.mean_s << " vs " << mean;
  EXPECT_NEAR(m.p99_s / p99, 1.0, 0.05) << "p99 " << m.p99_s << " vs " << p99;
}

TEST(QueueingFidelity, MMcMatchesErlangC) {
  const int c = 4;
  const double lambda = 3400, mu = 1000;  // rho = 0.85
  const Measured m = run_mmc(c, lambda, mu, Nanos{600'000'000'000});
  const double mean = mmc_mean(c, lambda, mu);
  const double p99 = mmc_quantile(c, lambda, mu, 0.99);
  std::printf("M/M/%d: mean %.4f ms (theory %.4f), p99 %.4f ms (theory %.4f)\n", c, m.mean_s * 1e3,
              mean * 1e3, m.p99_s * 1e3, p99 * 1e3);
  EXPECT_NEAR(m.mean_s / mean, 1.0, 0.05) << "mean " << m.mean_s << " vs " << mean;
  EXPECT_NEAR(m.p99_s / p99, 1.0, 0.05) << "p99 " << m.p99_s << " vs " << p99;
}

}  // namespace
}  // namespace dwae::sim
