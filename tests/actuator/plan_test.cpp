// The planner: bounds, rate limits, hysteresis, kernel rules and write order.
#include "dwae/actuator/plan.h"

#include <gtest/gtest.h>

namespace dwae::actuator {
namespace {

using hostfs::CgroupVersion;
using hostfs::Controller;

WorkloadFiles files(CgroupVersion v) {
  WorkloadFiles f;
  for (const auto c : hostfs::kAllControllers) {
    f.dirs.get(c) = std::string("/cg/") + hostfs::to_string(c);
    f.version[static_cast<size_t>(c)] = v;
  }
  return f;
}

KnobState v1_state() {
  KnobState s;
  s.cpu_weight = 100;
  s.cpu_quota_us = kNoLimit;
  s.cpu_period_us = 100000;
  s.cpu_burst_us = 0;
  s.cpu_idle = false;
  s.cpuset_cpus = std::vector<uint32_t>{0, 1};
  s.cpuset_mems = std::vector<uint32_t>{0};
  s.memory_low = 0;
  s.memory_max = kNoLimit;
  s.io_weight = 100;
  s.io_limits = std::vector<IoDeviceLimit>{};
  return s;
}

KnobState v2_state() {
  KnobState s = v1_state();
  s.memory_min = 0;
  s.memory_high = kNoLimit;
  return s;
}

PlanOptions no_shaping() {
  return PlanOptions{0.0, 1000.0};
}

TEST(Plan, V1SharesQuotaAndMemoryUseV1Files) {
  ResourceTargets t;
  t.cpu_weight = 200;
  t.cpu_quota_us = 50000;
  t.memory_max_bytes = 1ull << 30;
  const auto plan = plan_workload("w", v1_state(), t, {}, files(CgroupVersion::kV1), no_shaping());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  std::vector<std::string> seen;
  for (const auto& w : plan->writes) seen.push_back(w.file + "=" + w.value);
  EXPECT_EQ(seen,
            (std::vector<std::string>{"cpu.cfs_quota_us=50000", "memory.limit_in_bytes=1073741824",
                                      "cpu.shares=2048"}));
}

TEST(Plan, V2UsesCombinedCpuMaxAndDefaultIoWeight) {
  ResourceTargets t;
  t.cpu_quota_us = 20000;
  t.cpu_period_us = 50000;
  t.io_weight = 300;
  const auto plan = plan_workload("w", v2_state(), t, {}, files(CgroupVersion::kV2), no_shaping());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->writes.size(), 2u);
  EXPECT_EQ(plan->writes[0].file, "cpu.max");
  EXPECT_EQ(plan->writes[0].value, "20000 50000");
  EXPECT_EQ(plan->writes[1].file, "io.weight");
  EXPECT_EQ(plan->writes[1].value, "default 300");
}

TEST(Plan, ClampsToClassBounds) {
  ResourceTargets t;
  t.cpu_weight = 9000;
  config::ResourceBounds b;
  b.cpu_weight = config::Range{50, 500};
  const auto plan = plan_workload("w", v2_state(), t, b, files(CgroupVersion::kV2), no_shaping());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->after.cpu_weight, 500u);
  ASSERT_FALSE(plan->adjusted.empty());
  EXPECT_EQ(plan->adjusted[0].message, "clamped to class bounds");
}

TEST(Plan, RateLimitsAndSkipsSmallChanges) {
  ResourceTargets t;
  t.cpu_weight = 1000;
  const PlanOptions opt{0.05, 0.25};
  auto plan = plan_workload("w", v2_state(), t, {}, files(CgroupVersion::kV2), opt);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->after.cpu_weight, 125u);  // 100 + 25 %
  t.cpu_weight = 103;                       // 3 % < 5 % hysteresis
  plan = plan_workload("w", v2_state(), t, {}, files(CgroupVersion::kV2), opt);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->writes.empty());
}

TEST(Plan, RefusesResultsThatBreakKernelRules) {
  ResourceTargets t;
  t.cpu_quota_us = 20000;
  t.cpu_burst_us = 50000;  // burst > quota
  const auto plan = plan_workload("w", v2_state(), t, {}, files(CgroupVersion::kV2), no_shaping());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message.find("burst"), std::string::npos);
  ResourceTargets p;
  p.cpu_period_us = 5000000;
  EXPECT_FALSE(plan_workload("w", v2_state(), p, {}, files(CgroupVersion::kV2), no_shaping()).ok());
}

TEST(Plan, OrdersMemoryWritesSoEveryStepKeepsLowHighMax) {
  KnobState before = v2_state();
  before.memory_low = 100 << 20;
  before.memory_high = 200 << 20;
  before.memory_max = 300 << 20;
  ResourceTargets t;  // everything moves down below the old low
  t.memory_low_bytes = 10 << 20;
  t.memory_high_bytes = 20 << 20;
  t.memory_max_bytes = 30 << 20;
  const auto plan = plan_workload("w", before, t, {}, files(CgroupVersion::kV2), no_shaping());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->writes.size(), 3u);
  EXPECT_EQ(plan->writes[0].file, "memory.low");
  EXPECT_EQ(plan->writes[1].file, "memory.high");
  EXPECT_EQ(plan->writes[2].file, "memory.max");
  for (size_t i = 0; i <= plan->writes.size(); ++i) {
    EXPECT_TRUE(check_kernel_rules(state_after_writes(*plan, i)).ok()) << i;
  }
}

TEST(Plan, OrdersBurstBeforeAShrinkingQuota) {
  KnobState before = v1_state();
  before.cpu_quota_us = 80000;
  before.cpu_burst_us = 60000;
  ResourceTargets t;
  t.cpu_quota_us = 20000;
  t.cpu_burst_us = 10000;
  const auto plan = plan_workload("w", before, t, {}, files(CgroupVersion::kV1), no_shaping());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->writes.size(), 2u);
  EXPECT_EQ(plan->writes[0].file, "cpu.cfs_burst_us");
  EXPECT_EQ(plan->writes[1].file, "cpu.cfs_quota_us");
}

TEST(Plan, KnobsTheHostLacksAreReportedNotWritten) {
  ResourceTargets t;
  t.memory_high_bytes = 1 << 30;  // v1 has no memory.high
  const auto plan = plan_workload("w", v1_state(), t, {}, files(CgroupVersion::kV1), no_shaping());
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->writes.empty());
  ASSERT_EQ(plan->adjusted.size(), 1u);
  EXPECT_FALSE(plan->adjusted[0].ok);
}

TEST(Plan, CpusetDirection) {
  ResourceTargets shrink;
  shrink.cpuset_cpus = std::vector<uint32_t>{0};
  auto plan = plan_workload("w", v1_state(), shrink, {}, files(CgroupVersion::kV1), no_shaping());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->cpuset_direction, -1);
  EXPECT_EQ(plan->writes[0].value, "0");
  ResourceTargets grow;
  grow.cpuset_cpus = std::vector<uint32_t>{0, 1, 2};
  plan = plan_workload("w", v1_state(), grow, {}, files(CgroupVersion::kV1), no_shaping());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->cpuset_direction, 1);
  ResourceTargets empty;
  empty.cpuset_cpus = std::vector<uint32_t>{};
  EXPECT_FALSE(
      plan_workload("w", v1_state(), empty, {}, files(CgroupVersion::kV1), no_shaping()).ok());
}

TEST(Plan, IoLimitsWriteOnlyChangedDevices) {
  KnobState before = v2_state();
  before.io_limits = std::vector<IoDeviceLimit>{{8, 0, 100, kNoLimit, kNoLimit, kNoLimit}};
  ResourceTargets t;
  t.io_limits = std::vector<IoDeviceLimit>{{8, 0, 100, kNoLimit, kNoLimit, kNoLimit},
                                           {8, 16, kNoLimit, 500, kNoLimit, kNoLimit}};
  const auto plan = plan_workload("w", before, t, {}, files(CgroupVersion::kV2), no_shaping());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->writes.size(), 1u);
  EXPECT_EQ(plan->writes[0].value, "8:16 rbps=max wbps=500 riops=max wiops=max");
  EXPECT_EQ(plan->after.io_limits->size(), 2u);
}

}  // namespace
}  // namespace dwae::actuator
