// Shield property: for random (seeded) proposals and applied values, including NaN, infinities
// and extreme values, every shielded field is inside its class bounds and within the rate limit
// of the (bounds-clamped) applied value; cpu.idle respects the class and the dwell time.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "dwae/policy/shield.h"

namespace dwae::policy {
namespace {

double wild(std::mt19937_64& rng) {
  static constexpr double kSpecial[] = {std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        0.0,
                                        -1.0,
                                        1e300,
                                        -1e300,
                                        std::numeric_limits<double>::denorm_min(),
                                        1e19};
  const auto pick = rng() % 4;
  if (pick == 0) return kSpecial[rng() % std::size(kSpecial)];
  if (pick == 1) return static_cast<double>(rng() % 20001);  // plausible weights
  const double mag = std::ldexp(1.0, static_cast<int>(rng() % 80));
  return (rng() % 2 == 0 ? 1 : -1) * mag * (static_cast<double>(rng() % 1000) / 1000.0);
}

TEST(ShieldProperty, AlwaysInsideBoundsAndRateLimits) {
  std::mt19937_64 rng(20261126);
  const ShieldConfig config;
  Shield shield(config);
  const uint64_t host_memory = 64ull << 30;
  const WorkloadClassKind kinds[] = {WorkloadClassKind::kLatencySensitive,
                                     WorkloadClassKind::kThroughput,
                                     WorkloadClassKind::kBestEffort};
  std::map<std::string, std::pair<bool, Nanos>> idle_state;  // applied idle, last flip
  for (int i = 0; i < 10'000; ++i) {
    WorkloadInfo info;
    info.name = "w" + std::to_string(rng() % 8);
    info.class_kind = kinds[rng() % 3];
    ResourceTargets applied;
    if (rng() % 4 != 0) applied.cpu_weight = static_cast<uint32_t>(1 + rng() % 10000);
    if (rng() % 4 != 0) applied.io_weight = static_cast<uint32_t>(1 + rng() % 10000);
    if (rng() % 2 != 0) applied.memory_low_bytes = rng() % (128ull << 30);
    if (rng() % 3 == 0) applied.memory_high_bytes = rng() % (128ull << 30);
    auto& [was_idle, last_flip] = idle_state[info.name];
    applied.cpu_idle = was_idle;
    Proposal p;
    if (rng() % 5 != 0) p.cpu_weight = wild(rng);
    if (rng() % 5 != 0) p.io_weight = wild(rng);
    if (rng() % 5 != 0) p.memory_low_bytes = wild(rng) * 1e6;
    if (rng() % 3 != 0) p.cpu_idle = rng() % 2 == 0;
    const Nanos now = Nanos{200'000'000} * i;

    const ShieldResult r = shield.apply(info, applied, host_memory, now, p);
    const ClassLimits& lim = config.limits(info.class_kind);
    auto check_weight = [&](const std::optional<double>& proposed,
                            const std::optional<uint32_t>& out,
                            const std::optional<uint32_t>& before, Bounds b, const char* what) {
      ASSERT_EQ(proposed.has_value(), out.has_value()) << what << " case " << i;
      if (!out) return;
      const double v = *out;
      EXPECT_GE(v, b.min) << what << " case " << i;
      EXPECT_LE(v, b.max) << what << " case " << i;
      const double ref = std::clamp(applied_weight(before), b.min, b.max);
      const double step = std::max(config.max_step * ref, config.min_weight_step);
      EXPECT_LE(std::abs(v - ref), step + 1e-9) << what << " case " << i;
    };
    check_weight(p.cpu_weight, r.targets.cpu_weight, applied.cpu_weight, lim.cpu_weight,
                 "cpu.weight");
    check_weight(p.io_weight, r.targets.io_weight, applied.io_weight, lim.io_weight, "io.weight");
    ASSERT_EQ(p.memory_low_bytes.has_value(), r.targets.memory_low_bytes.has_value());
    if (r.targets.memory_low_bytes) {
      double hi = static_cast<double>(host_memory) * config.memory_low_max_host_share;
      if (applied.memory_high_bytes)
        hi = std::min(hi, static_cast<double>(*applied.memory_high_bytes));
      const auto v = static_cast<double>(*r.targets.memory_low_bytes);
      EXPECT_LE(v, hi + 1) << "memory.low case " << i;
      const double ref =
          std::clamp(static_cast<double>(applied.memory_low_bytes.value_or(0)), 0.0, hi);
      const double step = std::max(config.max_step * ref, config.min_memory_step_bytes);
      EXPECT_LE(std::abs(v - ref), step + 1) << "memory.low case " << i;
    }
    ASSERT_EQ(p.cpu_idle.has_value(), r.targets.cpu_idle.has_value());
    if (r.targets.cpu_idle) {
      if (!lim.may_idle) {
        EXPECT_FALSE(*r.targets.cpu_idle) << "case " << i;
      }
      if (*r.targets.cpu_idle != was_idle) {
        if (lim.may_idle) {
          EXPECT_TRUE(last_flip == Nanos{0} || now - last_flip >= config.idle_dwell)
              << "case " << i;
        }
        last_flip = now;
      }
      was_idle = *r.targets.cpu_idle;
    }
    // Every change from the proposal beyond rounding is explained by a guard.
    if (p.cpu_weight &&
        (!std::isfinite(*p.cpu_weight) || std::abs(*p.cpu_weight - *r.targets.cpu_weight) > 0.5)) {
      EXPECT_FALSE(r.guards.empty()) << "case " << i;
    }
  }
}

TEST(Shield, NanIsHeldAtTheAppliedValue) {
  Shield shield;
  WorkloadInfo info;
  info.class_kind = WorkloadClassKind::kThroughput;
  ResourceTargets applied;
  applied.cpu_weight = 200;
  Proposal p;
  p.cpu_weight = std::numeric_limits<double>::quiet_NaN();
  const auto r = shield.apply(info, applied, 1ull << 30, Nanos{0}, p);
  EXPECT_EQ(r.targets.cpu_weight, 200u);
  ASSERT_EQ(r.guards.size(), 1u);
  EXPECT_EQ(r.guards[0].guard, "nan");
}

TEST(Shield, RateLimitsAndCeilings) {
  Shield shield;
  WorkloadInfo info;
  info.class_kind = WorkloadClassKind::kBestEffort;
  ResourceTargets applied;  // weight 100 by default
  Proposal p;
  p.cpu_weight = 1e6;
  auto r = shield.apply(info, applied, 1ull << 30, Nanos{0}, p);
  EXPECT_EQ(r.targets.cpu_weight, 125u);
  ASSERT_EQ(r.guards.size(), 2u);
  EXPECT_EQ(r.guards[0].guard, "ceiling");
  EXPECT_EQ(r.guards[1].guard, "rate-limit");
  p.cpu_weight = 1;
  r = shield.apply(info, applied, 1ull << 30, Nanos{0}, p);
  EXPECT_EQ(r.targets.cpu_weight, 75u);
}

TEST(Shield, LatencySensitiveIsNeverIdleAndIdleDwells) {
  Shield shield;
  WorkloadInfo ls;
  ls.name = "ls";
  ls.class_kind = WorkloadClassKind::kLatencySensitive;
  Proposal p;
  p.cpu_idle = true;
  EXPECT_EQ(shield.apply(ls, {}, 0, Nanos{0}, p).targets.cpu_idle, false);
  WorkloadInfo be;
  be.name = "be";
  ResourceTargets applied;
  EXPECT_EQ(shield.apply(be, applied, 0, Nanos{1'000'000'000}, p).targets.cpu_idle, true);
  applied.cpu_idle = true;
  p.cpu_idle = false;
  EXPECT_EQ(shield.apply(be, applied, 0, Nanos{1'200'000'000}, p).targets.cpu_idle, true);
  EXPECT_EQ(shield.apply(be, applied, 0, Nanos{2'000'000'000}, p).targets.cpu_idle, false);
}

}  // namespace
}  // namespace dwae::policy
