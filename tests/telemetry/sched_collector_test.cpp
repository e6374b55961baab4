// SchedCollector on the real kernel: loads bpf/sched.bpf.c, runs a sleeper and CPU hogs in
// sandbox cgroups and checks what the kernel attributed to each cgroup id.
#include "dwae/telemetry/sched_collector.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "support/cgroup_sandbox.h"
#include "telemetry_test_support.h"

namespace dwae::telemetry {
namespace {

using std::chrono::milliseconds;
using test::CgroupSandbox;

constexpr const char* kSleeper = DWAE_TELEMETRY_SLEEPER;

SchedCollector::Options options_for(CgroupAttribution attribution) {
  SchedCollector::Options o;
  o.attribution = attribution;
  return o;
}

SchedCollector create_or_die(CgroupAttribution attribution) {
  auto c = SchedCollector::create(options_for(attribution));
  if (!c.ok()) {
    ADD_FAILURE() << c.error().message;
    std::abort();
  }
  return std::move(c).value();
}

uint64_t read_u64(const std::string& path) {
  std::ifstream in(path);
  uint64_t v = 0;
  in >> v;
  if (!in) ADD_FAILURE() << "cannot read " << path;
  return v;
}

SchedStats stats_of(const SchedStatsByCgroup& all, CgroupId id) {
  const auto it = all.find(id);
  return it == all.end() ? SchedStats{} : it->second;
}

// Starts the sleeper in "ls" and two hogs in "hogs" (this host has 2 CPUs).
void start_workloads(CgroupSandbox& sandbox) {
  sandbox.spawn({kSleeper, "5000", "1000"}, "ls");
  sandbox.spawn({"sh", "-c", "while :; do :; done"}, "hogs");
  sandbox.spawn({"sh", "-c", "while :; do :; done"}, "hogs");
}

std::string describe(const char* name, const SchedStats& s) {
  return std::string(name) + ": wakeups=" + std::to_string(s.wakeups) +
         " run_delays=" + std::to_string(s.run_delay_count()) +
         " run_delay_ms=" + std::to_string(static_cast<double>(s.run_delay_ns) / 1e6) +
         " p50_us=" + std::to_string(s.run_queue_latency.quantile(0.5) / 1e3) +
         " p99_us=" + std::to_string(s.run_queue_latency.quantile(0.99) / 1e3) +
         " on_cpu_ms=" + std::to_string(static_cast<double>(s.on_cpu_ns) / 1e6) +
         " switches=" + std::to_string(s.switches) +
         " involuntary=" + std::to_string(s.involuntary_switches) +
         " migrations=" + std::to_string(s.migrations);
}

// The histogram is the same log2 shape as Log2Histogram: the summed delay lies between the sums
// of the lower and upper bounds of the buckets the delays were counted in.
void expect_histogram_consistent(const SchedStats& s) {
  double lower = 0;
  double upper = 0;
  for (size_t i = 0; i < Log2Histogram::kBuckets; ++i) {
    const auto n = static_cast<double>(s.run_queue_latency.buckets[i]);
    lower += n * (i == 0 ? 0.0 : static_cast<double>(uint64_t{1} << i));
    upper += n * static_cast<double>(uint64_t{1} << (i + 1));
  }
  EXPECT_LE(lower, static_cast<double>(s.run_delay_ns));
  EXPECT_GE(upper, static_cast<double>(s.run_delay_ns));
}

// Where this host keeps its cpu controller: the v1 cpu hierarchy on hybrid hosts, else v2.
struct CpuHierarchy {
  CgroupAttribution mode;
  std::string controller;
};
CpuHierarchy cpu_hierarchy(const CgroupSandbox& sandbox) {
  if (sandbox.mount_for("cpu") != nullptr && !sandbox.mount_for("cpu")->v2) {
    return {CgroupAttribution::kV1Cpu, "cpu"};
  }
  return {CgroupAttribution::kUnified, "unified"};
}

class SchedCollectorTest : public ::testing::TestWithParam<CgroupAttribution> {};

TEST_P(SchedCollectorTest, AttributesSleeperAndHogsToTheirOwnCgroups) {
  const CgroupAttribution mode = GetParam();
  CgroupSandbox sandbox;
  const std::string hierarchy = mode == CgroupAttribution::kV1Cpu ? "cpu" : "unified";
  if (sandbox.mount_for(hierarchy) == nullptr) GTEST_SKIP() << "no " << hierarchy << " hierarchy";
  SchedCollector collector = create_or_die(mode);
  start_workloads(sandbox);
  const CgroupId ls = cgroup_id_of(sandbox.dir(hierarchy, "ls")).value();
  const CgroupId hogs = cgroup_id_of(sandbox.dir(hierarchy, "hogs")).value();
  ASSERT_NE(ls, hogs);

  // cpuacct (v1) is the kernel's own count of the same CPU time: the reference for on-CPU.
  const bool have_cpuacct = sandbox.mount_for("cpuacct") != nullptr;
  const auto usage_ns = [&](const char* child) {
    return have_cpuacct ? read_u64(sandbox.dir("cpuacct", child) + "/cpuacct.usage") : 0;
  };

  std::this_thread::sleep_for(milliseconds(200));  // let the workloads settle
  ASSERT_TRUE(collector.drain().ok());
  const uint64_t hogs_usage_before = usage_ns("hogs");
  const uint64_t ls_usage_before = usage_ns("ls");
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(milliseconds(1000));
  auto drained = collector.drain();
  const auto elapsed_ns = static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
  const uint64_t hogs_usage = usage_ns("hogs") - hogs_usage_before;
  const uint64_t ls_usage = usage_ns("ls") - ls_usage_before;
  ASSERT_TRUE(drained.ok()) << drained.error().message;

  const SchedStats l = stats_of(*drained, ls);
  const SchedStats h = stats_of(*drained, hogs);
  std::cout << describe("ls", l) << "\n"
            << describe("hogs", h) << "\n"
            << "elapsed_ms=" << elapsed_ns / 1e6
            << " hogs_cpuacct_ms=" << static_cast<double>(hogs_usage) / 1e6
            << " ls_cpuacct_ms=" << static_cast<double>(ls_usage) / 1e6
            << " hogs_cpus=" << static_cast<double>(h.on_cpu_ns) / elapsed_ns << "\n";

  // The sleeper wakes about every 1.1 ms on an idle host and waits behind the hogs before it
  // runs; when other work loads the host (load ~10 on 2 CPUs here) its waits grow to several
  // ms and it wakes ~300 times a second, so the bound is low.
  EXPECT_GT(l.wakeups, 100u);
  EXPECT_GT(l.run_delay_count(), 100u);
  EXPECT_GT(l.run_delay_ns, 0u);
  expect_histogram_consistent(l);
  expect_histogram_consistent(h);

  // Two hogs on two CPUs: close to 2 CPUs when the host is otherwise idle, less when others
  // compete (other builds share this host); the kernel's cpuacct for the same cgroup and
  // interval is the exact reference.
  EXPECT_GT(static_cast<double>(h.on_cpu_ns), 0.2 * elapsed_ns);
  EXPECT_LT(static_cast<double>(h.on_cpu_ns), 2.05 * elapsed_ns);
  if (have_cpuacct) {
    EXPECT_NEAR(static_cast<double>(h.on_cpu_ns), static_cast<double>(hogs_usage),
                0.05 * static_cast<double>(hogs_usage));
  }
  EXPECT_LT(static_cast<double>(l.on_cpu_ns), 0.1 * static_cast<double>(h.on_cpu_ns));
  EXPECT_GT(h.involuntary_switches, 0u);  // the sleeper preempts them

  // No leaks between the two: hogs never sleep, so the sleeper's wakeups are not theirs.
  EXPECT_LT(h.wakeups, 10u);
}

std::string mode_name(const ::testing::TestParamInfo<CgroupAttribution>& p) {
  return p.param == CgroupAttribution::kV1Cpu ? "V1Cpu" : "Unified";
}

INSTANTIATE_TEST_SUITE_P(Modes, SchedCollectorTest,
                         ::testing::Values(CgroupAttribution::kV1Cpu, CgroupAttribution::kUnified),
                         mode_name);

TEST(SchedCollector, DrainEmptiesTheMap) {
  CgroupSandbox sandbox;
  const CpuHierarchy cpu = cpu_hierarchy(sandbox);
  SchedCollector collector = create_or_die(cpu.mode);
  start_workloads(sandbox);
  const CgroupId hogs = cgroup_id_of(sandbox.dir(cpu.controller, "hogs")).value();
  std::this_thread::sleep_for(milliseconds(300));
  auto first = collector.drain();
  auto second = collector.drain();
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok()) << second.error().message;

  uint64_t first_switches = 0;
  uint64_t second_switches = 0;
  for (const auto& [id, s] : *first) first_switches += s.switches;
  for (const auto& [id, s] : *second) second_switches += s.switches;
  const SchedStats h1 = stats_of(*first, hogs);
  const SchedStats h2 = stats_of(*second, hogs);
  std::cout << "first: cgroups=" << first->size() << " switches=" << first_switches
            << " hogs_on_cpu_ms=" << static_cast<double>(h1.on_cpu_ns) / 1e6
            << "; second: cgroups=" << second->size() << " switches=" << second_switches
            << " hogs_on_cpu_ms=" << static_cast<double>(h2.on_cpu_ns) / 1e6 << "\n";
  EXPECT_GT(first_switches, 100u);
  EXPECT_LT(second_switches * 20, first_switches);
  // Two hogs for 0.3 s get 0.6 CPU-s on an idle host, under 0.1 when the host is loaded.
  EXPECT_GT(h1.on_cpu_ns, 30'000'000u);
  EXPECT_LT(h2.on_cpu_ns * 20, h1.on_cpu_ns);
}

// True once `pid` has exited (a zombie: the sandbox reaps it, so the pid stays ours meanwhile).
bool has_exited(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const size_t paren = stat.rfind(')');
  return !in || paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z';
}

// Drains again and again while a pipe ping-pong runs, so the record halves switch under it: the
// switches charged to its cgroup equal the kernel's own per-thread counters (nothing lost or
// counted twice at a drain). The few switches of the process before it joined the cgroup and
// after it read its counters are the slack.
TEST(SchedCollector, SwitchCountsMatchTheKernelAcrossConcurrentDrains) {
  CgroupSandbox sandbox;
  const CpuHierarchy cpu = cpu_hierarchy(sandbox);
  SchedCollector collector = create_or_die(cpu.mode);
  sandbox.create("pingpong");
  const CgroupId id = cgroup_id_of(sandbox.dir(cpu.controller, "pingpong")).value();
  const std::string out = "/tmp/dwae-pingpong-" + std::to_string(::getpid());
  std::remove(out.c_str());
  ASSERT_TRUE(collector.drain().ok());
  const pid_t pid = sandbox.spawn({test_support::kWorkload, "pingpong", "30000", out}, "pingpong");
  uint64_t ours = 0;
  uint64_t with_slot_drains = 0;
  int drains = 0;
  for (bool done = false; !done;) {
    done = has_exited(pid);
    auto drained = collector.drain();
    ASSERT_TRUE(drained.ok()) << drained.error().message;
    ++drains;
    ours += stats_of(*drained, id).switches;
    if (collector.cgroups_with_slot() > 0) ++with_slot_drains;
    if (!done) std::this_thread::sleep_for(milliseconds(3));
  }
  const uint64_t kernel = read_u64(out);
  std::remove(out.c_str());
  std::cout << "ours=" << ours << " kernel=" << kernel << " drains=" << drains
            << " cgroups_with_slot=" << collector.cgroups_with_slot() << "\n";
  // About 2 switches per round trip; a side that finds its partner's byte already waiting
  // (the two run on different CPUs) does not switch, so the floor is well below 60,000.
  EXPECT_GT(kernel, 30'000u);
  EXPECT_GT(drains, 3);
  EXPECT_GT(with_slot_drains, 1u);  // the cgroup left the overflow hash for a slot
  EXPECT_NEAR(static_cast<double>(ours), static_cast<double>(kernel),
              0.002 * static_cast<double>(kernel) + 10);
}

TEST(SchedCollector, CreateFailsWithAReasonWithoutKernelBtf) {
  SchedCollector::Options o;
  o.kernel_btf_path = "/nonexistent/vmlinux";
  auto c = SchedCollector::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("/nonexistent/vmlinux"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().errno_value, ENOENT);
}

TEST(SchedCollector, CollectorsCanBeMovedAndDestroyed) {
  SchedCollector a = create_or_die(CgroupAttribution::kUnified);
  SchedCollector b = std::move(a);
  b = create_or_die(CgroupAttribution::kV1Cpu);
  EXPECT_EQ(b.attribution(), CgroupAttribution::kV1Cpu);
  EXPECT_TRUE(b.drain().ok());
}

TEST(CgroupIdOf, IsTheInodeOfTheDirectoryAndFailsOnOtherPaths) {
  CgroupSandbox sandbox;
  sandbox.create("x");
  const std::string dir = sandbox.dir(cpu_hierarchy(sandbox).controller, "x");
  auto id = cgroup_id_of(dir);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_GT(*id, 1u);
  EXPECT_FALSE(cgroup_id_of(dir + "/cgroup.procs").ok());
  EXPECT_FALSE(cgroup_id_of("/nonexistent/cgroup").ok());
}

}  // namespace
}  // namespace dwae::telemetry
