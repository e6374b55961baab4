// Memory, network and NUMA behaviour: reclaim stalls against memory.high, OOM kills at
// memory.max, link sharing with borrowing and drops, and the cross-node memory penalty.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "dwae/common/clock.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/sim_host.h"
#include "sim/sim_support.h"

namespace dwae::sim {
namespace {

Decision decide(const std::string& name, ResourceTargets t) {
  Decision d;
  d.workloads.push_back({name, std::move(t)});
  return d;
}

TEST(Memory, LeakStallsAtHighThenIsKilledAtMax) {
  Scenario s = test::host_with(4, Nanos{30'000'000'000});
  s.classes.push_back(test::latency_class("ls"));
  auto w = test::mm_service("leaky", "ls", 100, Nanos{1'000'000}, 2);
  w.memory.working_set_bytes = 1ull << 30;
  w.memory.leak_bytes_per_second = 100.0 * (1 << 20);  // +100 MiB/s
  s.workloads.push_back(w);
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets t;
  t.memory_high_bytes = 2ull << 30;
  t.memory_max_bytes = 3ull << 30;
  host.apply(decide("leaky", t));
  host.run_until(Nanos{15'000'000'000});  // need 2.46 GiB: above high, below max
  auto m = host.sample()->workloads[0];
  EXPECT_EQ(m.oom_kills, 0u);
  EXPECT_GT(m.memory_high_events, 0u);
  EXPECT_GT(m.reclaim_stall_ns, 0u);
  EXPECT_GT(m.psi.memory_some_us, 0u);
  EXPECT_LE(m.memory_current_bytes, 2ull << 30);
  host.run_until(Nanos{30'000'000'000});  // 2 GiB of leak reaches max at ~20.5 s
  m = host.sample()->workloads[0];
  EXPECT_EQ(m.oom_kills, 1u);
  EXPECT_LT(m.memory_current_bytes, 2ull << 30);
}

TEST(Memory, HostPressureReclaimsUnprotectedFirst) {
  Scenario s = test::host_with(4, Nanos{2'000'000'000});
  s.host.memory_bytes = 4ull << 30;
  s.classes.push_back(test::batch_class("be"));
  auto a = test::batch("protected", "be", 1);
  auto b = test::batch("exposed", "be", 1);
  a.memory.working_set_bytes = b.memory.working_set_bytes = 3ull << 30;
  s.workloads = {a, b};
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets t;
  t.memory_low_bytes = 3ull << 30;
  host.apply(decide("protected", t));
  host.run_until(s.duration);
  const auto sample = host.sample().value();
  EXPECT_EQ(sample.workloads[0].memory_current_bytes, 3ull << 30);
  EXPECT_EQ(sample.workloads[0].reclaim_stall_ns, 0u);
  EXPECT_LE(sample.workloads[1].memory_current_bytes, 1ull << 30);
  EXPECT_GT(sample.workloads[1].reclaim_stall_ns, 0u);
}

Scenario scenario_of(const std::string& text) {
  auto load = load_scenario_text(text, "memory.yaml");
  EXPECT_TRUE(load.scenario.has_value());
  return *load.scenario;
}

// What the static policy does first: apply each workload's settings from the scenario.
void apply_settings(SimHost& host, const Scenario& s) {
  Decision d;
  for (const auto& w : s.workloads) d.workloads.push_back({w.name, w.settings});
  host.apply(d);
}

constexpr uint64_t kGiB = 1ull << 30;

// Steps through the scenario one quantum at a time; returns the largest resident total seen.
uint64_t run_and_track_resident(SimHost& host, const Scenario& s) {
  uint64_t most = 0;
  for (Nanos t = s.quantum; t <= s.duration; t += s.quantum) {
    host.run_until(t);
    uint64_t resident = 0;
    const HostSample sample = host.sample().value();
    for (const auto& w : sample.workloads) resident += w.memory_current_bytes;
    most = std::max(most, resident);
  }
  return most;
}

TEST(Memory, HostPressureCountsWhatMemoryHighLetsAWorkloadHold) {
  // a needs 12 GiB but memory.high holds it at 4 GiB: 12 GiB resident on a 16 GiB host, so
  // b keeps its 8 GiB and only a stalls (against its own high).
  const Scenario s = scenario_of(R"(name: phantom
duration: 5s
host: {cores: 4, memory: 16GiB}
classes:
  - {name: bg, kind: best-effort}
workloads:
  - {name: a, class: bg, kind: batch, threads: 1, memory: {working_set: 12GiB}, settings: {memory_high: 4GiB}}
  - {name: b, class: bg, kind: batch, threads: 1, memory: {working_set: 8GiB}}
)");
  ManualClock clock;
  SimHost host(s, clock);
  apply_settings(host, s);
  EXPECT_LE(run_and_track_resident(host, s), 12 * kGiB);
  const auto sample = host.sample().value();
  const auto& a = sample.workloads[0];
  const auto& b = sample.workloads[1];
  EXPECT_EQ(a.memory_current_bytes, 4 * kGiB);
  EXPECT_GT(a.reclaim_stall_ns, 0u);
  EXPECT_EQ(b.memory_current_bytes, 8 * kGiB);
  EXPECT_EQ(b.reclaim_stall_ns, 0u);
  // b works flat out, a 10 % of the time (90 % stalled against its high).
  const Report report = make_report(s, host, "static");
  ASSERT_EQ(report.classes.size(), 1u);
  EXPECT_NEAR(report.classes[0].throughput, 1.1, 0.05);
}

TEST(Memory, ARestartingWorkloadDoesNotPressTheHost) {
  // a needs 12 GiB against a memory.max of 10 GiB: killed each time it comes back, it holds
  // nothing, and b's 8 GiB fit the 16 GiB host all the time.
  const Scenario s = scenario_of(R"(name: restarting
duration: 10s
host: {cores: 4, memory: 16GiB}
classes:
  - {name: bg, kind: best-effort}
workloads:
  - {name: a, class: bg, kind: batch, threads: 1, memory: {working_set: 12GiB}, settings: {memory_max: 10GiB}}
  - {name: b, class: bg, kind: batch, threads: 1, memory: {working_set: 8GiB}}
)");
  ManualClock clock;
  SimHost host(s, clock);
  apply_settings(host, s);
  host.run_until(s.duration);
  const auto sample = host.sample().value();
  EXPECT_GE(sample.workloads[0].oom_kills, 2u);
  EXPECT_EQ(sample.workloads[1].memory_current_bytes, 8 * kGiB);
  EXPECT_EQ(sample.workloads[1].reclaim_stall_ns, 0u);
  EXPECT_EQ(sample.workloads[1].oom_kills, 0u);
}

TEST(Memory, OverProtectedHostReclaimsMemoryLowButNeverMemoryMin) {
  // 24 GiB protected on a 16 GiB host: memory.low yields (8 GiB of a is reclaimed and a
  // stalls), memory.min holds (b keeps its 12 GiB), and resident memory never exceeds the host.
  const Scenario s = scenario_of(R"(name: overfull
duration: 5s
host: {cores: 4, memory: 16GiB}
classes:
  - {name: bg, kind: best-effort}
workloads:
  - {name: a, class: bg, kind: batch, threads: 1, memory: {working_set: 12GiB}, settings: {memory_low: 12GiB}}
  - {name: b, class: bg, kind: batch, threads: 1, memory: {working_set: 12GiB}, settings: {memory_min: 12GiB}}
)");
  ManualClock clock;
  SimHost host(s, clock);
  apply_settings(host, s);
  EXPECT_LE(run_and_track_resident(host, s), 16 * kGiB);
  const auto sample = host.sample().value();
  const auto& a = sample.workloads[0];
  const auto& b = sample.workloads[1];
  EXPECT_EQ(a.memory_current_bytes, 4 * kGiB);
  EXPECT_GT(a.reclaim_stall_ns, 0u);
  EXPECT_EQ(b.memory_current_bytes, 12 * kGiB);
  EXPECT_EQ(b.reclaim_stall_ns, 0u);
  EXPECT_EQ(a.oom_kills + b.oom_kills, 0u);
}

TEST(Memory, OverProtectedMemoryLowIsReclaimedInProportion) {
  // 12 + 6 GiB under memory.low on a 12 GiB host: the 6 GiB excess comes from each in
  // proportion to its protected memory (4 and 2 GiB).
  const Scenario s = scenario_of(R"(name: overlow
duration: 1s
host: {cores: 4, memory: 12GiB}
classes:
  - {name: bg, kind: best-effort}
workloads:
  - {name: a, class: bg, kind: batch, threads: 1, memory: {working_set: 12GiB}, settings: {memory_low: 12GiB}}
  - {name: b, class: bg, kind: batch, threads: 1, memory: {working_set: 6GiB}, settings: {memory_low: 6GiB}}
)");
  ManualClock clock;
  SimHost host(s, clock);
  apply_settings(host, s);
  EXPECT_LE(run_and_track_resident(host, s), 12 * kGiB);
  const auto sample = host.sample().value();
  EXPECT_EQ(sample.workloads[0].memory_current_bytes, 8 * kGiB);
  EXPECT_EQ(sample.workloads[1].memory_current_bytes, 4 * kGiB);
}

TEST(Memory, MemoryMinBeyondTheHostEndsInAnOomKill) {
  // Two 12 GiB workloads under memory.min on a 16 GiB host: reclaim may take neither, so the
  // host's OOM killer kills one; resident memory never exceeds the host.
  const Scenario s = scenario_of(R"(name: overmin
duration: 5s
host: {cores: 4, memory: 16GiB}
classes:
  - {name: bg, kind: best-effort}
workloads:
  - {name: a, class: bg, kind: batch, threads: 1, memory: {working_set: 12GiB}, settings: {memory_min: 12GiB}}
  - {name: b, class: bg, kind: batch, threads: 1, memory: {working_set: 12GiB}, settings: {memory_min: 12GiB}}
)");
  ManualClock clock;
  SimHost host(s, clock);
  apply_settings(host, s);
  EXPECT_LE(run_and_track_resident(host, s), 16 * kGiB);
  const auto sample = host.sample().value();
  EXPECT_GE(sample.workloads[0].oom_kills + sample.workloads[1].oom_kills, 1u);
  // Whoever runs is never reclaimed below its memory.min.
  EXPECT_EQ(sample.workloads[0].reclaim_stall_ns + sample.workloads[1].reclaim_stall_ns, 0u);
}

WorkloadSpec sender(const std::string& name, double bytes_per_s) {
  WorkloadSpec w = test::batch(name, "be", 1);
  w.kind = WorkloadKind::kNoisy;
  w.net.bytes_per_second = bytes_per_s;
  return w;
}

TEST(Network, SharesBorrowAndDropWhenOverCapacity) {
  Scenario s = test::host_with(4, Nanos{10'000'000'000});
  s.host.link.bandwidth_bps = 100e6;
  s.classes.push_back(test::batch_class("be"));
  s.workloads = {sender("video", 90e6), sender("bulk", 90e6), sender("quiet", 1e6)};
  ManualClock clock;
  SimHost host(s, clock);
  ResourceTargets video, bulk;
  video.net_share = 0.7;
  bulk.net_share = 0.2;
  host.apply(decide("video", video));
  host.apply(decide("bulk", bulk));
  host.run_until(s.duration);
  const auto w = host.sample()->workloads;
  const double v = static_cast<double>(w[0].net_tx_bytes) / 10.0;
  const double b = static_cast<double>(w[1].net_tx_bytes) / 10.0;
  const double q = static_cast<double>(w[2].net_tx_bytes) / 10.0;
  // The quiet sender gets all it asks; the rest is split 70:20 (its unused 10 % borrowed).
  EXPECT_NEAR(q, 1e6, 1e4);
  EXPECT_NEAR(v / b, 3.5, 0.05);
  EXPECT_NEAR(v + b + q, 100e6, 1e6);
  EXPECT_GT(w[1].net_drops, 0u);
  EXPECT_EQ(w[1].net_retransmits, w[1].net_drops);  // TCP retransmits what it lost
  EXPECT_GT(w[1].net_queue_depth, 0u);
  EXPECT_EQ(w[2].net_drops, 0u);
}

TEST(Numa, PinningRemovesRemoteAccessesAndTheirPenalty) {
  auto run = [](bool pinned) {
    Scenario s = test::host_with(8, Nanos{200'000'000'000});
    s.host.numa_nodes = 2;
    s.classes.push_back(test::latency_class("ls"));
    auto w = test::mm_service("orders", "ls", 100, Nanos{1'000'000}, 1);
    w.service.kind = ServiceDistKind::kConstant;
    w.memory.memory_bound = 0.5;
    s.workloads.push_back(w);
    ManualClock clock;
    SimHost host(s, clock);
    if (pinned) {
      ResourceTargets t;
      t.cpuset_cpus = std::vector<uint32_t>{0, 1, 2, 3};
      t.cpuset_mems = std::vector<uint32_t>{0};
      host.apply(decide("orders", t));
    }
    host.run_until(s.duration);
    const auto m = host.sample()->workloads[0];
    const double remote = static_cast<double>(m.remote_memory_accesses);
    const double share = remote / (remote + static_cast<double>(m.local_memory_accesses));
    return std::make_pair(share, host.metrics().classes[0].latency.quantile(0.5));
  };
  const auto [floating_share, floating_p50] = run(false);
  const auto [pinned_share, pinned_p50] = run(true);
  EXPECT_NEAR(floating_share, 0.5, 0.01);
  EXPECT_EQ(pinned_share, 0.0);
  // Half the work waits on memory; half of that at 142 ns instead of 89 ns.
  const double stretch = 0.5 + 0.5 * (0.5 * 89 + 0.5 * 142) / 89;
  EXPECT_NEAR(pinned_p50 / 1e6, 1.0, 0.03);
  EXPECT_NEAR(floating_p50 / pinned_p50, stretch, 0.03);
}

TEST(Smt, BusySiblingsSlowEachOther) {
  auto useful = [](uint32_t smt) {
    Scenario s = test::host_with(4, Nanos{5'000'000'000});
    s.host.smt = smt;
    s.classes.push_back(test::batch_class("be"));
    s.workloads.push_back(test::batch("job", "be", 8));
    ManualClock clock;
    SimHost host(s, clock);
    host.run_until(s.duration);
    return host.metrics().classes[0].units_per_window.back();
  };
  EXPECT_NEAR(useful(1), 4.0, 1e-6);
  EXPECT_NEAR(useful(2), 4.0 * 1.3, 1e-6);  // 8 logical CPUs at 0.65 each
}

}  // namespace
}  // namespace dwae::sim

namespace dwae::sim {
namespace {

// Orders pinned to CPUs 0-1 of a 4-core SMT-2 host (siblings 4-5) beside 8 batch threads.
double orders_p50_ms(const std::vector<uint32_t>& batch_cpus) {
  Scenario s = test::host_with(4, Nanos{100'000'000'000});
  s.host.smt = 2;
  s.classes.push_back(test::latency_class("ls"));
  s.classes.push_back(test::batch_class("be"));
  auto orders = test::mm_service("orders", "ls", 50, Nanos{1'000'000}, 1);
  orders.service.kind = ServiceDistKind::kConstant;
  s.workloads = {orders, test::batch("hogs", "be", 8)};
  ManualClock clock;
  SimHost host(s, clock);
  Decision d;
  ResourceTargets o, b;
  o.cpuset_cpus = std::vector<uint32_t>{0, 1};
  b.cpuset_cpus = batch_cpus;
  d.workloads = {{"orders", o}, {"hogs", b}};
  host.apply(d);
  host.run_until(s.duration);
  return host.metrics().classes[0].latency.quantile(0.5) / 1e6;
}

TEST(Smt, IsolatingSiblingsRestoresFullCoreSpeed) {
  // Siblings 4 and 5 shared with the batch: 6+ busy CPUs on 4 cores slow everyone down.
  const double shared = orders_p50_ms({2, 3, 4, 5, 6, 7});
  // Siblings 4 and 5 left to nobody: the order service runs at full speed.
  const double isolated = orders_p50_ms({2, 3, 6, 7});
  EXPECT_NEAR(isolated, 1.0, 0.02);
  EXPECT_GT(shared, 1.15);
}

}  // namespace
}  // namespace dwae::sim
