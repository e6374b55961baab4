// Each workload draws its traffic from its own random streams (scenario seed + workload name):
// what happens to one workload, or which workloads sit beside it, does not change the requests
// another receives, so policy comparisons run on the same traffic.
#include <gtest/gtest.h>

#include "dwae/common/clock.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/sim_host.h"
#include "sim/sim_support.h"

namespace dwae::sim {
namespace {

constexpr Nanos kTen{10'000'000'000};

// A light service on a host far larger than it needs: no contention, so its latencies depend only
// on its own arrivals and work sizes.
Scenario service_alone() {
  Scenario s = test::host_with(16, kTen, 99);
  s.classes.push_back(test::latency_class("ls"));
  s.classes.push_back(test::batch_class("be"));
  s.workloads.push_back(test::mm_service("svc", "ls", 300, Nanos{200'000}, 4));
  return s;
}

WorkloadSample run_and_sample(const Scenario& s, const std::string& name) {
  ManualClock clock;
  SimHost host(s, clock);
  host.run_until(s.duration);
  const HostSample sample = host.sample().value();
  for (const auto& w : sample.workloads) {
    if (w.name == name) return w;
  }
  ADD_FAILURE() << "no workload " << name;
  return {};
}

TEST(PairedTraffic, ANeighbourWithItsOwnBurstsLeavesAServicesRequestsUnchanged) {
  const Scenario alone = service_alone();
  Scenario shared = alone;
  WorkloadSpec hog = test::batch("hog", "be", 2);
  hog.burst.on = Nanos{300'000'000};  // its phases draw random numbers all the time
  hog.burst.off = Nanos{700'000'000};
  shared.workloads.insert(shared.workloads.begin(), hog);

  const WorkloadSample a = run_and_sample(alone, "svc");
  const WorkloadSample b = run_and_sample(shared, "svc");
  EXPECT_GT(a.requests_completed, 2500u);
  EXPECT_EQ(a.requests_completed, b.requests_completed);
  EXPECT_EQ(a.request_latency_ns, b.request_latency_ns);
}

TEST(PairedTraffic, OtherSeedsAndOtherNamesGiveOtherTraffic) {
  const Scenario base = service_alone();
  Scenario other_seed = base;
  other_seed.seed += 1;
  Scenario other_name = base;
  other_name.workloads[0].name = "svc-2";
  const WorkloadSample a = run_and_sample(base, "svc");
  EXPECT_NE(a.request_latency_ns, run_and_sample(other_seed, "svc").request_latency_ns);
  EXPECT_NE(a.request_latency_ns, run_and_sample(other_name, "svc-2").request_latency_ns);
}

// On a shipped scenario, static and rule settings see the same requests: every request that
// arrived either completed, failed, or was still in service at the end (at most one per thread).
TEST(PairedTraffic, PoliciesAreComparedOnTheSameRequests) {
  auto load = load_scenario_file(std::string(DWAE_SOURCE_DIR) + "/scenarios/noisy-neighbour.yaml");
  ASSERT_TRUE(load.scenario.has_value());
  Scenario s = *load.scenario;
  s.duration = kTen;
  auto run = [&](const char* name) {
    auto policy = make_policy(name, s);
    EXPECT_TRUE(policy.ok());
    return run_scenario(s, **policy).value();
  };
  const Report base = run("static");
  const Report rule = run("rule");
  ASSERT_EQ(base.classes.size(), rule.classes.size());
  for (size_t i = 0; i < base.classes.size(); ++i) {
    const auto& c = base.classes[i];
    if (c.kind != "latency-sensitive") continue;
    uint64_t threads = 0;
    for (const auto& w : s.workloads) {
      if (w.class_name == c.name) threads += w.threads;
    }
    const auto seen = [](const ClassReport& r) {
      return static_cast<double>(r.requests + r.requests_failed);
    };
    EXPECT_NEAR(seen(c), seen(rule.classes[i]), static_cast<double>(threads)) << c.name;
    EXPECT_LT(rule.classes[i].p99_ms, c.p99_ms) << c.name;
  }
}

}  // namespace
}  // namespace dwae::sim
