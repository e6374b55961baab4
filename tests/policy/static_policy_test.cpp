// The static policy decides a workload's configured targets until its samples show them applied.
#include "dwae/policy/static_policy.h"

#include <gtest/gtest.h>

namespace dwae::policy {
namespace {

WorkloadInfo info(const std::string& name) {
  WorkloadInfo i;
  i.name = name;
  return i;
}

HostSample sample_with(const std::string& name, const ResourceTargets& applied) {
  HostSample s;
  WorkloadSample& w = s.workloads.emplace_back();
  w.name = name;
  w.applied = applied;
  return s;
}

TEST(StaticPolicy, DecidesUntilTheTargetsAreAppliedThenHolds) {
  ResourceTargets target;
  target.cpu_weight = 200;
  target.memory_high_bytes = 1 << 30;
  StaticPolicy p({{"a", target}});
  const std::vector<WorkloadInfo> ws = {info("a"), info("unconfigured")};

  ResourceTargets applied;  // the actuator moves the weight 25 % a tick
  applied.cpu_weight = 100;
  for (const uint32_t w : {100u, 125u, 156u, 195u}) {
    applied.cpu_weight = w;
    const Decision d = p.decide(sample_with("a", applied), ws);
    ASSERT_EQ(d.workloads.size(), 1u) << "weight " << w;
    EXPECT_EQ(d.workloads[0].workload, "a");
    EXPECT_EQ(d.workloads[0].targets, target);
  }
  applied.cpu_weight = 200;
  applied.memory_high_bytes = 1 << 30;
  applied.io_weight = 100;  // a setting the target does not name does not matter
  EXPECT_TRUE(p.decide(sample_with("a", applied), ws).workloads.empty());
  EXPECT_TRUE(p.decide(sample_with("a", applied), ws).workloads.empty());
  // Changed behind its back: decided again.
  applied.cpu_weight = 50;
  EXPECT_EQ(p.decide(sample_with("a", applied), ws).workloads.size(), 1u);
}

TEST(StaticPolicy, GivesUpOnATargetTheHostNeverShows) {
  ResourceTargets target;
  target.io_weight = 500;  // say, no I/O controller with weights here
  StaticPolicy p({{"a", target}});
  int decided = 0;
  for (int tick = 0; tick < 200; ++tick) {
    decided += static_cast<int>(p.decide(sample_with("a", {}), {info("a")}).workloads.size());
  }
  EXPECT_EQ(decided, 64);
}

}  // namespace
}  // namespace dwae::policy
