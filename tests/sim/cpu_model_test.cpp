// CPU fidelity: weights split usage in proportion (within 2 %), cpu.idle yields to normal
// workloads, cpusets cap usage, and quota throttling follows the CFS bandwidth arithmetic.
#include <gtest/gtest.h>

#include <algorithm>

#include "dwae/common/clock.h"
#include "dwae/sim/cfs_bandwidth.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/sim_host.h"
#include "dwae/sim/water_fill.h"
#include "sim/sim_support.h"

namespace dwae::sim {
namespace {

Decision decide(const std::string& name, ResourceTargets t) {
  Decision d;
  d.workloads.push_back({name, std::move(t)});
  return d;
}

double cpu_seconds(SimHost& host, size_t i) {
  return static_cast<double>(host.sample()->workloads[i].cpu_usage_ns) / 1e9;
}

TEST(WaterFill, SharesByWeightAndReturnsLeftovers) {
  const auto r = water_fill(10, {{1, 1}, {100, 1}, {100, 2}});
  EXPECT_DOUBLE_EQ(r.allocation[0], 1);
  EXPECT_DOUBLE_EQ(r.allocation[1], 3);
  EXPECT_DOUBLE_EQ(r.allocation[2], 6);
  EXPECT_TRUE(r.contended);
  const auto idle = water_fill(10, {{1, 1}, {2, 1}});
  EXPECT_FALSE(idle.contended);
  EXPECT_DOUBLE_EQ(idle.allocation[1], 2);
}

TEST(CpuShares, WeightsSplitUsageInProportion) {
  Scenario s = test::host_with(4, Nanos{20'000'000'000});
  s.classes.push_back(test::batch_class("be"));
  s.workloads.push_back(test::batch("a", "be", 8));
  s.workloads.push_back(test::batch("b", "be", 8));
  s.workloads.push_back(test::batch("c", "be", 8));
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets ta, tb, tc;
  ta.cpu_weight = 100;
  tb.cpu_weight = 200;
  tc.cpu_weight = 500;
  host.apply(decide("a", ta));
  host.apply(decide("b", tb));
  host.apply(decide("c", tc));
  host.run_until(s.duration);
  const double a = cpu_seconds(host, 0), b = cpu_seconds(host, 1), c = cpu_seconds(host, 2);
  const double total = 4 * 20.0;
  EXPECT_NEAR(a / total, 0.125, 0.125 * 0.02);
  EXPECT_NEAR(b / total, 0.25, 0.25 * 0.02);
  EXPECT_NEAR(c / total, 0.625, 0.625 * 0.02);
}

TEST(CpuShares, IdleWorkloadOnlyGetsLeftovers) {
  Scenario s = test::host_with(4, Nanos{5'000'000'000});
  s.classes.push_back(test::batch_class("be"));
  s.workloads.push_back(test::batch("normal", "be", 3));
  s.workloads.push_back(test::batch("idle", "be", 8));
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets idle;
  idle.cpu_idle = true;
  idle.cpu_weight = 10000;  // the weight does not lift an idle group above normal ones
  host.apply(decide("idle", idle));
  host.run_until(s.duration);
  EXPECT_NEAR(cpu_seconds(host, 0), 15.0, 0.01);
  EXPECT_NEAR(cpu_seconds(host, 1), 5.0, 0.01);
}

TEST(CpuShares, CpusetCapsUsage) {
  Scenario s = test::host_with(8, Nanos{5'000'000'000});
  s.classes.push_back(test::batch_class("be"));
  s.workloads.push_back(test::batch("pinned", "be", 8));
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets t;
  t.cpuset_cpus = std::vector<uint32_t>{0, 1};
  host.apply(decide("pinned", t));
  host.run_until(s.duration);
  EXPECT_NEAR(cpu_seconds(host, 0), 10.0, 0.01);
}

TEST(CfsBandwidth, QuotaThrottlingFollowsTheKernelArithmetic) {
  // 4 runnable threads, quota 150 ms per 100 ms period: each period runs 4 CPUs for 37.5 ms,
  // spends the 150 ms of runtime, and is throttled for the remaining 62.5 ms.
  Scenario s = test::host_with(8, Nanos{10'000'000'000});
  s.classes.push_back(test::batch_class("be"));
  s.workloads.push_back(test::batch("capped", "be", 4));
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets t;
  t.cpu_quota_us = 150'000;
  t.cpu_period_us = 100'000;
  host.apply(decide("capped", t));
  host.run_until(s.duration);
  const auto w = host.sample()->workloads[0];
  EXPECT_NEAR(static_cast<double>(w.cpu_usage_ns) / 1e9, 15.0, 15.0 * 0.005);
  EXPECT_EQ(w.nr_periods, 99u);  // the period still open at the end is not counted yet
  EXPECT_EQ(w.nr_throttled, 100u);
  EXPECT_NEAR(static_cast<double>(w.throttled_ns) / 1e9, 99 * 0.0625, 0.01);
}

TEST(CfsBandwidth, BurstCarriesUnusedRuntime) {
  CfsBandwidth b;
  b.configure(50'000'000, 100'000'000, 30'000'000);
  b.advance_to(0);
  // A quiet period leaves its runtime; the next may use quota + burst.
  b.advance_to(100'000'000);
  EXPECT_NEAR(b.cap_cores(100'000'000), 0.8, 1e-9);
  b.charge(100'000'000, 100'000'000, 80'000'000, true, 1.0);
  EXPECT_TRUE(b.throttled());
  EXPECT_EQ(b.nr_throttled, 1u);
}

// Steps a group of `threads` runnable threads on an otherwise idle host as SimHost steps a
// batch job: each step's cap, then the charge for what ran. Returns the CPU time used.
double run_steps(CfsBandwidth& b, double step_ns, int steps, double threads) {
  double used = 0;
  for (int i = 0; i < steps; ++i) {
    const double t0 = i * step_ns;
    b.advance_to(t0);
    const double ran = std::min(threads, b.cap_cores(step_ns)) * step_ns;
    b.charge(t0, step_ns, ran, true, threads);
    used += ran;
  }
  return used;
}

TEST(CfsBandwidth, PeriodsShorterThanTheStepEachRefillTheirQuota) {
  // 2 CPUs of quota in 2 ms periods, 5 ms steps, 4 threads: every period runs 4 CPUs for 1 ms
  // and is throttled for 1 ms; a step gets 10 ms of runtime and 2.5 periods on average.
  CfsBandwidth b;
  b.configure(4'000'000, 2'000'000, 0);
  const double used = run_steps(b, 5e6, 200, 4);
  EXPECT_NEAR(used / 1e9, 2.0, 1e-6);
  EXPECT_EQ(b.nr_periods, 499u);  // 500 periods in 1 s; the one ending at 1 s is not yet counted
  EXPECT_EQ(b.nr_throttled, 500u);
  EXPECT_NEAR(b.throttled_ns / 1e9, 0.499, 1e-6);
}

TEST(CfsBandwidth, PeriodsThatAreNotAMultipleOfTheStepCountTheirThrottledTime) {
  // 2 CPUs of quota in 7 ms periods, 5 ms steps, 4 threads: every period runs 4 CPUs for
  // 3.5 ms and is throttled for 3.5 ms.
  CfsBandwidth b;
  b.configure(14'000'000, 7'000'000, 0);
  const double used = run_steps(b, 5e6, 140, 4);
  EXPECT_NEAR(used / 1e9, 1.4, 1e-6);
  EXPECT_EQ(b.nr_periods, 99u);
  EXPECT_EQ(b.nr_throttled, 100u);
  EXPECT_NEAR(b.throttled_ns / 1e9, 99 * 0.0035, 1e-6);
}

TEST(CfsBandwidth, ABatchJobGetsItsQuotaWithPeriodsShorterThanTheQuantum) {
  // cpu.max "4000 2000" on 4 threads with 5 ms steps: 2 CPUs, every 2 ms period throttled.
  Scenario s = test::host_with(8, Nanos{5'000'000'000});
  ASSERT_EQ(s.quantum, Nanos{5'000'000});
  s.classes.push_back(test::batch_class("be"));
  s.workloads.push_back(test::batch("capped", "be", 4));
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets t;
  t.cpu_quota_us = 4'000;
  t.cpu_period_us = 2'000;
  host.apply(decide("capped", t));
  host.run_until(s.duration);
  const auto w = host.sample()->workloads[0];
  EXPECT_NEAR(static_cast<double>(w.cpu_usage_ns) / 1e9, 10.0, 1e-6);
  EXPECT_EQ(w.nr_periods, 2499u);
  EXPECT_EQ(w.nr_throttled, 2500u);
  EXPECT_NEAR(static_cast<double>(w.throttled_ns) / 1e9, 2.499, 1e-6);
}

TEST(CfsBandwidth, NoPeriodsAreCountedWithoutAQuota) {
  // The kernel's period timer runs only while a quota is set.
  CfsBandwidth b;
  b.configure(0, 100'000'000, 0);
  run_steps(b, 5e6, 100, 4);
  b.advance_to(500e6);
  EXPECT_EQ(b.nr_periods, 0u);
  EXPECT_EQ(b.nr_throttled, 0u);
  EXPECT_EQ(b.throttled_ns, 0.0);
}

// A request-driven workload holds the CPU only for the work it has (CFS gives a CPU away when
// its thread blocks): a light single-threaded service beside 8 hog threads on 2 cores (the
// steady-1to4 bench twin) leaves the hogs all it does not use, and the two never use more than
// the host has.
TEST(CpuShares, RequestServiceLeavesWhatItDoesNotUseToItsNeighbours) {
  for (const double rate : {2000.0, 200.0}) {
    Scenario s = test::host_with(2, Nanos{20'000'000'000});
    s.quantum = Nanos{1'000'000};
    s.classes.push_back(test::latency_class("ls"));
    s.classes.push_back(test::batch_class("be"));
    s.workloads.push_back(test::mm_service("svc", "ls", rate, Nanos{100'000}, 1));
    s.workloads.push_back(test::batch("hogs", "be", 8));
    ManualClock clock;
    SimHost host(s, clock);
    host.run_until(s.duration);
    const double seconds = 20.0;
    const double service = cpu_seconds(host, 0) / seconds, hogs = cpu_seconds(host, 1) / seconds;
    // The service's own work: rate x 0.1 ms of CPU per second.
    EXPECT_NEAR(service, rate * 100e-6, rate * 100e-6 * 0.05) << "rate " << rate;
    EXPECT_NEAR(hogs, 2.0 - service, 0.02 * (2.0 - service)) << "rate " << rate;
    EXPECT_LE(service + hogs, 2.0 * 1.001) << "rate " << rate;
  }
}

// More worker threads than CPUs: the threads take turns on the CPUs they may use. A service of
// 8 threads pinned to one CPU, or of 16 threads on a 4-CPU host, offered twice what its CPUs can
// do, completes what its CPUs can do (1 ms of work each: 1,000 requests per CPU-second) and
// uses those CPUs, no more.
TEST(CpuShares, MoreBusyThreadsThanCpusShareThoseCpus) {
  struct Case {
    uint32_t cores, threads;
    double rate;
    bool pinned;
  };
  for (const Case c : {Case{4, 8, 2000, true}, Case{4, 16, 8000, false}}) {
    Scenario s = test::host_with(c.cores, Nanos{10'000'000'000});
    s.classes.push_back(test::latency_class("ls"));
    s.workloads.push_back(test::mm_service("svc", "ls", c.rate, Nanos{1'000'000}, c.threads));
    ManualClock clock;
    SimHost host(s, clock);
    const double cpus = c.pinned ? 1.0 : c.cores;
    if (c.pinned) {
      ResourceTargets t;
      t.cpuset_cpus = std::vector<uint32_t>{0};
      ASSERT_EQ(host.apply(decide("svc", t)).workloads_failed, 0u);
    }
    host.run_until(s.duration);
    const double seconds = 10.0;
    const double done_per_s = static_cast<double>(host.metrics().classes[0].requests) / seconds;
    EXPECT_LT(done_per_s, cpus * 1000 * 1.03) << c.threads << " threads on " << cpus << " CPUs";
    EXPECT_GT(done_per_s, cpus * 1000 * 0.90) << c.threads << " threads on " << cpus << " CPUs";
    EXPECT_LE(cpu_seconds(host, 0) / seconds, cpus * 1.01) << c.threads << " threads";
  }
}

// CPU is charged as work is done, not when a request arrives: a 2-thread service offered five
// times what its threads can do uses 2 CPUs, however long its queue, and its queue stops at the
// service's backlog (4,096 requests); the requests refused beyond it count as failed.
TEST(CpuShares, AnOverloadedServiceUsesItsThreadsCpusAndItsQueueIsBounded) {
  Scenario s = test::host_with(8, Nanos{10'000'000'000});
  s.classes.push_back(test::latency_class("ls"));
  s.workloads.push_back(test::mm_service("svc", "ls", 10'000, Nanos{1'000'000}, 2));
  ManualClock clock;
  SimHost host(s, clock);
  host.run_until(s.duration);
  const double seconds = 10.0;
  EXPECT_LE(cpu_seconds(host, 0) / seconds, 2.0 * 1.001);
  EXPECT_GT(cpu_seconds(host, 0) / seconds, 2.0 * 0.97);
  const auto& m = host.metrics().classes[0];
  EXPECT_GT(m.requests_failed, 50'000u) << "most of 100,000 arrivals find the backlog full";
  // The longest wait is a full backlog's work on two threads: 4,096 x 1 ms / 2.
  EXPECT_LT(m.latency.quantile(0.999), 2.3e9);
  EXPECT_GT(m.latency.quantile(0.5), 1.5e9);
}

// A request refused at a full backlog was never accepted: it does no I/O. A metadata service
// (3 disk operations per request) offered five times what its one thread can serve would
// otherwise load the disk with the refused requests' operations (11,400 a second, past the
// default disk's 13,333 metadata operations a second with the served ones) and its latency
// would grow past what the backlog alone explains (4,096 requests x 1 ms).
TEST(CpuShares, ARefusedRequestDoesNoIo) {
  const auto load = load_scenario_text(R"(name: refused
duration: 20s
host: {cores: 4, smt: 1, numa_nodes: 1, memory: 8GiB}
classes: [{name: web, kind: latency-sensitive, p99: 10ms}]
workloads:
  - name: meta
    class: web
    kind: metadata
    threads: 1
    arrivals: {process: poisson, rate: 5000}
    service: {distribution: constant, mean: 1ms}
    io: {pattern: metadata, ops_per_request: 3}
)",
                                       "refused.yaml");
  ASSERT_TRUE(load.scenario);
  ManualClock clock;
  SimHost host(*load.scenario, clock);
  host.run_until(load.scenario->duration);
  const auto& m = host.metrics().classes[0];
  EXPECT_GT(m.requests_failed, 50'000u);
  EXPECT_LT(m.latency.quantile(0.99), 4.6e9);
}

TEST(CpuContention, WakeupDelayComesFromCompetitorsAndCpuIdleRemovesIt) {
  auto run = [](bool hogs_idle, uint32_t hog_weight) {
    Scenario s = test::host_with(4, Nanos{20'000'000'000});
    s.classes.push_back(test::latency_class("ls"));
    s.classes.push_back(test::batch_class("be"));
    s.workloads.push_back(test::mm_service("svc", "ls", 200, Nanos{200'000}, 1));
    s.workloads.push_back(test::batch("hogs", "be", 8));
    ManualClock clock;
    SimHost host(s, clock);
    ResourceTargets t;
    t.cpu_idle = hogs_idle;
    t.cpu_weight = hog_weight;
    host.apply(decide("hogs", t));
    host.run_until(s.duration);
    return host.metrics().classes[0].latency.quantile(0.99);
  };
  const double equal = run(false, 100);
  const double idle = run(true, 100);
  const double light = run(false, 10);
  EXPECT_GT(equal, 3 * idle);
  EXPECT_LT(light, equal);
  EXPECT_LT(idle, 1.2 * 200'000 * 4.7);  // ~ alone: exponential P99 = 4.6 x mean
}

}  // namespace
}  // namespace dwae::sim
