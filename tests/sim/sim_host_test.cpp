// SimHost as the control loop sees it: the HostSource and Actuator contracts.
#include "dwae/sim/sim_host.h"

#include <gtest/gtest.h>

#include "dwae/common/clock.h"
#include "sim/sim_support.h"

namespace dwae::sim {
namespace {

Scenario two_workloads() {
  Scenario s = test::host_with(4, Nanos{1'000'000'000});
  s.classes.push_back(test::latency_class("ls", Nanos{5'000'000}));
  s.classes.push_back(test::batch_class("be"));
  s.workloads.push_back(test::mm_service("svc", "ls", 500, Nanos{500'000}, 2));
  s.workloads.push_back(test::batch("job", "be", 2));
  return s;
}

TEST(SimHost, ListsWorkloadsWithTheirClasses) {
  const Scenario s = two_workloads();
  ManualClock clock;
  SimHost host(s, clock);
  const auto infos = host.workloads().value();
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].name, "svc");
  EXPECT_EQ(infos[0].class_kind, WorkloadClassKind::kLatencySensitive);
  EXPECT_EQ(infos[0].p99_target, Nanos{5'000'000});
  EXPECT_EQ(infos[1].class_name, "be");
}

TEST(SimHost, SamplesAreCumulativeAndFollowTheClock) {
  const Scenario s = two_workloads();
  ManualClock clock;
  SimHost host(s, clock);
  host.run_until(Nanos{500'000'000});
  const auto a = host.sample().value();
  EXPECT_EQ(a.at, Nanos{500'000'000});
  EXPECT_EQ(clock.now(), Nanos{500'000'000});
  host.run_until(Nanos{1'000'000'000});
  const auto b = host.sample().value();
  EXPECT_EQ(b.cpus, 4u);
  ASSERT_EQ(b.workloads.size(), 2u);
  EXPECT_GT(b.workloads[0].requests_completed, a.workloads[0].requests_completed);
  EXPECT_TRUE(b.workloads[0].has_requests);
  EXPECT_FALSE(b.workloads[1].has_requests);
  EXPECT_GE(b.workloads[1].cpu_usage_ns, a.workloads[1].cpu_usage_ns);
  EXPECT_NEAR(static_cast<double>(b.workloads[1].cpu_usage_ns), 2e9, 1e7);
  EXPECT_EQ(b.workloads[0].request_latency_ns.total(), b.workloads[0].requests_completed);
}

TEST(SimHost, AppliesAWorkloadsTargetsAsOneTransactionAndRestores) {
  const Scenario s = two_workloads();
  ManualClock clock;
  SimHost host(s, clock);
  Decision d;
  ResourceTargets good;
  good.cpu_weight = 500;
  good.memory_high_bytes = 1ull << 30;
  ResourceTargets bad;
  bad.cpu_weight = 200;
  bad.cpuset_cpus = std::vector<uint32_t>{0, 9};  // the host has 4 CPUs
  d.workloads = {{"svc", good}, {"job", bad}, {"ghost", good}};
  const ApplyReport r = host.apply(d);
  EXPECT_EQ(r.workloads_applied, 1u);
  EXPECT_EQ(r.workloads_failed, 2u);
  const auto sample = host.sample().value();
  EXPECT_EQ(sample.workloads[0].applied.cpu_weight, 500u);
  EXPECT_EQ(sample.workloads[0].applied.memory_high_bytes, 1ull << 30);
  EXPECT_FALSE(sample.workloads[1].applied.cpu_weight.has_value());  // nothing of `bad` applied
  ASSERT_TRUE(host.restore().ok());
  EXPECT_EQ(host.sample()->workloads[0].applied, ResourceTargets{});
}

}  // namespace
}  // namespace dwae::sim
