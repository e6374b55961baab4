// Property: for random (seeded) states, targets and bounds, every plan stays inside the bounds
// and the kernel's ranges, and every intermediate step breaks no rule the start did not break.
#include <gtest/gtest.h>

#include <random>

#include "dwae/actuator/plan.h"
#include "dwae/actuator/values.h"

namespace dwae::actuator {
namespace {

using hostfs::CgroupVersion;

uint64_t pick(std::mt19937_64& rng, uint64_t lo, uint64_t hi) {
  return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
}

std::optional<uint64_t> maybe_limit(std::mt19937_64& rng, uint64_t lo, uint64_t hi) {
  const auto r = pick(rng, 0, 9);
  if (r == 0) return std::nullopt;
  if (r == 1) return kNoLimit;
  return pick(rng, lo, hi);
}

TEST(PlanProperty, RandomDecisionsStayInBoundsAndInValidOrder) {
  std::mt19937_64 rng(20261126);
  int planned = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool v1 = pick(rng, 0, 1) == 0;
    WorkloadFiles f;
    for (const auto c : hostfs::kAllControllers) {
      f.dirs.get(c) = "/cg";
      f.version[static_cast<size_t>(c)] = v1 ? CgroupVersion::kV1 : CgroupVersion::kV2;
    }
    KnobState before;
    before.cpu_weight = pick(rng, 1, 10000);
    before.cpu_period_us = pick(rng, 1000, 1000000);
    before.cpu_quota_us = pick(rng, 0, 3) == 0 ? kNoLimit : pick(rng, 1000, 2000000);
    before.cpu_burst_us = 0;
    before.memory_low = pick(rng, 0, 1ull << 32);
    before.memory_max = kNoLimit;
    if (!v1) {
      before.memory_min = 0;
      before.memory_high = kNoLimit;
    }
    before.io_weight = pick(rng, 1, 10000);
    ResourceTargets t;
    if (pick(rng, 0, 1)) t.cpu_weight = static_cast<uint32_t>(pick(rng, 0, 20000));
    if (pick(rng, 0, 1)) t.cpu_quota_us = maybe_limit(rng, 0, 4000000);
    if (pick(rng, 0, 3) == 0) t.cpu_period_us = pick(rng, 500, 2000000);
    if (pick(rng, 0, 3) == 0) t.cpu_burst_us = pick(rng, 0, 2000000);
    if (pick(rng, 0, 1)) t.memory_low_bytes = maybe_limit(rng, 0, 1ull << 33);
    if (pick(rng, 0, 1)) t.memory_high_bytes = maybe_limit(rng, 0, 1ull << 33);
    if (pick(rng, 0, 1)) t.memory_max_bytes = maybe_limit(rng, 0, 1ull << 34);
    if (pick(rng, 0, 1)) t.io_weight = static_cast<uint32_t>(pick(rng, 0, 20000));
    config::ResourceBounds b;
    b.cpu_weight = config::Range{static_cast<double>(pick(rng, 1, 100)),
                                 static_cast<double>(pick(rng, 100, 10000))};
    b.io_weight = config::Range{10, 1000};
    b.memory_high_bytes = config::Range{1 << 20, static_cast<double>(1ull << 33)};
    const PlanOptions opt{0.02, 0.25};

    const auto plan = plan_workload("w", before, t, b, f, opt);
    if (!plan) continue;  // refused: nothing is written, which is always safe
    ++planned;
    const auto& a = plan->after;
    if (a.cpu_weight != before.cpu_weight) {
      EXPECT_GE(*a.cpu_weight, static_cast<uint64_t>(b.cpu_weight->min));
      EXPECT_LE(*a.cpu_weight, static_cast<uint64_t>(b.cpu_weight->max));
      // Rate-limited to 25 % a tick, unless the class floor or ceiling forces a larger move.
      const uint64_t step = std::max<uint64_t>(1, *before.cpu_weight / 4) + 1;
      EXPECT_LE(*a.cpu_weight, std::max<uint64_t>(*before.cpu_weight + step,
                                                  static_cast<uint64_t>(b.cpu_weight->min)));
      EXPECT_GE(*a.cpu_weight + step,
                std::min<uint64_t>(*before.cpu_weight, static_cast<uint64_t>(b.cpu_weight->max)));
    }
    if (a.io_weight != before.io_weight) {
      EXPECT_GE(*a.io_weight, 10u);
      EXPECT_LE(*a.io_weight, 1000u);
    }
    if (a.memory_high && a.memory_high != before.memory_high) {
      EXPECT_GE(*a.memory_high, 1u << 20);
      EXPECT_LE(*a.memory_high, 1ull << 33);
    }
    EXPECT_TRUE(check_kernel_rules(a).ok()) << check_kernel_rules(a).error().message;
    for (size_t n = 0; n <= plan->writes.size(); ++n) {
      const auto s = state_after_writes(*plan, n);
      // Allowed: only rules the starting state already broke.
      KnobState start_only = before;
      const bool start_ok = check_kernel_rules(start_only).ok();
      if (start_ok) {
        ASSERT_TRUE(check_kernel_rules(s).ok()) << "step " << n << " of " << plan->writes.size()
                                                << ": " << check_kernel_rules(s).error().message;
      }
    }
    for (const auto& w : plan->writes) {
      EXPECT_TRUE(validate_write(w.file, w.value).ok()) << w.file << "=" << w.value;
    }
  }
  EXPECT_GT(planned, 5000);  // the property was exercised, not vacuously true
}

}  // namespace
}  // namespace dwae::actuator
