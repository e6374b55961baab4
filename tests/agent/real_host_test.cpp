// RealHost on this machine's cgroups: discovery walks the hierarchies again when the eBPF
// lifecycle collector has counted a cgroup change (a new workload shows at the next sample
// allowed, long before the periodic walk), and only periodically without eBPF.
#include "dwae/agent/real_host.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "dwae/common/clock.h"
#include "dwae/common/file.h"
#include "dwae/config/loader.h"
#include "dwae/hostfs/layout.h"
#include "support/cgroup_sandbox.h"
#include "support/file_limit.h"

namespace dwae::agent {
namespace {

using test::CgroupSandbox;

// `extra`: more rules, appended.
config::Config config_for(const CgroupSandbox& sandbox, const std::string& extra = "") {
  const std::string yaml =
      "workloads:\n"
      "  - name: w\n"
      "    class: best-effort\n"
      "    match: {cgroup: \"**/" +
      sandbox.name() + "/w*\"}\n" + extra;
  auto loaded = config::load_config_text(yaml, "real_host_test.yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].format());
  return *loaded.config;
}

size_t discovered(RealHost& host) {
  auto w = host.workloads();
  EXPECT_TRUE(w.ok()) << w.error().message;
  return w ? w->size() : 0;
}

void sample(RealHost& host) {
  auto s = host.sample();
  ASSERT_TRUE(s.ok()) << s.error().message;
}

// Why the eBPF lifecycle collector does not run on this host, or "" when it does.
std::string lifecycle_off(const RealHost& host) {
  const auto* lifecycle = host.telemetry().find("bpf:lifecycle");
  if (lifecycle == nullptr) return "absent";
  return lifecycle->active ? "" : lifecycle->detail;
}

// The host, which has discovered w1, sees w2 (made now) at its periodic walk after `every`
// samples, and not before.
void expect_periodic_walk(RealHost& host, CgroupSandbox& sandbox, int every) {
  ASSERT_EQ(discovered(host), 1u);
  sandbox.create("w2");
  for (int i = 1; i < every; ++i) {
    sample(host);
    EXPECT_EQ(discovered(host), 1u) << "after " << i << " samples";
  }
  sample(host);
  EXPECT_EQ(discovered(host), 2u);
}

// This host's layout, a sandbox holding w1, and RealHosts on them.
class RealHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto detected = hostfs::detect_layout(hostfs::HostPaths{});
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    layout_ = std::move(detected).value();
    sandbox_.create("w1");
  }
  std::unique_ptr<RealHost> make_host(const RealHostOptions& options,
                                      const std::string& extra_rules = "") {
    return std::make_unique<RealHost>(config_for(sandbox_, extra_rules), layout_,
                                      hostfs::ProcFs(hostfs::HostPaths{}), clock_, options);
  }

  hostfs::CgroupLayout layout_;
  CgroupSandbox sandbox_;
  SteadyClock clock_;
};

TEST_F(RealHostTest, ACountedCgroupChangeTriggersDiscoveryAtTheNextAllowedSample) {
  RealHostOptions options;
  options.rediscover_every = 1000;
  options.rediscover_quiet_every = 1000;
  options.rediscover_min_every = 2;
  const auto made = make_host(options);
  RealHost& host = *made;
  if (const std::string why = lifecycle_off(host); !why.empty()) {
    GTEST_SKIP() << "the eBPF lifecycle collector does not run here: " << why;
  }
  ASSERT_EQ(discovered(host), 1u);
  sample(host);
  sandbox_.create("w2");
  // One sample since the last walk: below rediscover_min_every, so not yet.
  EXPECT_EQ(discovered(host), 1u);
  sample(host);
  EXPECT_EQ(discovered(host), 2u);
}

// A VM's QEMU process may exec after its move into the cgroup was counted, so with a rule that
// matches VMs by process the periodic walk stays at rediscover_every even with eBPF.
TEST_F(RealHostTest, WithAVmRuleDiscoveryStillRunsEveryRediscoverEverySamples) {
  RealHostOptions options;
  options.rediscover_every = 3;
  options.rediscover_quiet_every = 1000;
  options.rediscover_min_every = 1000;  // no walk on counted changes in this test
  const auto made = make_host(options,
                              "  - name: vms\n    class: best-effort\n    match: {libvirt_domain: "
                              "\"dwae-test-no-such-vm-*\"}\n");
  RealHost& host = *made;
  if (const std::string why = lifecycle_off(host); !why.empty()) {
    GTEST_SKIP() << "the eBPF lifecycle collector does not run here: " << why;
  }
  expect_periodic_walk(host, sandbox_, 3);
}

TEST_F(RealHostTest, WithoutEbpfDiscoveryRunsEveryRediscoverEverySamples) {
  RealHostOptions options;
  options.use_bpf = false;
  options.rediscover_every = 3;
  const auto made = make_host(options);
  RealHost& host = *made;
  expect_periodic_walk(host, sandbox_, 3);
}

// A cgroup removed and made again at the same path between two walks (a service restarted
// quickly) is a new cgroup: the next walk takes it as new, so its files and its eBPF run-queue
// counts come from the new cgroup, not from the removed one.
TEST_F(RealHostTest, ACgroupMadeAgainAtTheSamePathIsCountedAsTheNewCgroup) {
  RealHostOptions options;
  options.rediscover_min_every = 1;
  const auto made = make_host(options);
  RealHost& host = *made;
  if (const std::string why = lifecycle_off(host); !why.empty()) {
    GTEST_SKIP() << "the eBPF lifecycle collector does not run here: " << why;
  }
  const auto* sched = host.telemetry().find("bpf:sched");
  ASSERT_TRUE(sched != nullptr && sched->active) << "eBPF scheduling telemetry is off here";
  ASSERT_EQ(discovered(host), 1u);
  sample(host);
  const uint64_t generation = host.generation();

  sandbox_.remake("w1");
  // A process in the new cgroup that wakes up 200 times a second for 3 s.
  const pid_t waker = sandbox_.spawn(
      {"/bin/sh", "-c", "i=0; while [ $i -lt 600 ]; do sleep 0.005; i=$((i+1)); done"}, "w1");
  uint64_t wakeups = 0;
  bool sampled = false;
  for (int i = 0; i < 10 && wakeups == 0; ++i) {
    ::usleep(200'000);
    ASSERT_TRUE(host.workloads().ok());
    auto s = host.sample();
    ASSERT_TRUE(s.ok()) << s.error().message;
    for (const auto& w : s->workloads) {
      sampled = true;
      EXPECT_TRUE(w.has_runq_delay);
      wakeups = w.runq_delay_ns.total();
    }
  }
  sandbox_.kill(waker);
  EXPECT_TRUE(sampled);
  EXPECT_GT(host.generation(), generation);
  EXPECT_GT(wakeups, 0u) << "run-queue counts stayed with the removed cgroup";
}

// The eBPF scheduling programs count waits by the cpu cgroup (v1) or the v2 cgroup of the
// task. A workload with no directory there (here: a cgroup made in the memory hierarchy alone)
// is sampled, but claims no run-queue delay, while one beside it that has a directory does.
TEST_F(RealHostTest, AWorkloadOutsideTheSchedulingHierarchyHasNoRunQueueDelay) {
  const auto* memory = sandbox_.mount_for("memory");
  if (memory == nullptr || memory->v2 ||
      std::find(memory->controllers.begin(), memory->controllers.end(), "cpu") !=
          memory->controllers.end()) {
    GTEST_SKIP() << "no v1 memory hierarchy apart from the cpu one: every cgroup is in the "
                    "scheduling hierarchy here";
  }
  sandbox_.create_only_in("memory", "w-memory-only");
  RealHostOptions options;
  const auto made = make_host(options);
  RealHost& host = *made;
  const auto* sched = host.telemetry().find("bpf:sched");
  if (sched == nullptr || !sched->active) {
    GTEST_SKIP() << "eBPF scheduling telemetry is off here: "
                 << (sched == nullptr ? "absent" : sched->detail);
  }
  ASSERT_EQ(discovered(host), 2u);
  sample(host);
  auto s = host.sample();
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->workloads.size(), 2u);
  for (const WorkloadSample& w : s->workloads) {
    if (w.name.ends_with("/w-memory-only") || w.name == "w-memory-only") {
      EXPECT_FALSE(w.has_runq_delay) << w.name;
      EXPECT_EQ(w.runq_delay_ns.total(), 0u) << w.name;
      EXPECT_EQ(w.runq_delay_total_ns, 0u) << w.name;
    } else {
      EXPECT_TRUE(w.has_runq_delay) << w.name;
    }
  }
}

// Without eBPF no workload claims a run-queue histogram; the run-delay total is schedstat's,
// summed over the workload's threads.
TEST_F(RealHostTest, WithoutEbpfNoWorkloadClaimsARunQueueDelay) {
  RealHostOptions options;
  options.use_bpf = false;
  const auto made = make_host(options);
  RealHost& host = *made;
  const auto* task_schedstat = host.telemetry().find("files:task-schedstat");
  const bool schedstat = task_schedstat != nullptr && task_schedstat->active;
  ASSERT_EQ(discovered(host), 1u);
  // A process in the workload that wakes up 200 times a second for 3 s.
  const pid_t waker = sandbox_.spawn(
      {"/bin/sh", "-c", "i=0; while [ $i -lt 600 ]; do sleep 0.005; i=$((i+1)); done"}, "w1");
  uint64_t run_delay_ns = 0;
  for (int i = 0; i < 10 && run_delay_ns == 0; ++i) {
    ::usleep(200'000);
    auto s = host.sample();
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->workloads.size(), 1u);
    const WorkloadSample& w = s->workloads[0];
    EXPECT_FALSE(w.has_runq_delay);
    EXPECT_EQ(w.runq_delay_ns.total(), 0u);
    run_delay_ns = w.runq_delay_total_ns;
  }
  sandbox_.kill(waker);
  if (schedstat) {
    EXPECT_GT(run_delay_ns, 0u) << "no schedstat run delay for a process that woke 600 times";
  } else {
    EXPECT_EQ(run_delay_ns, 0u);
  }
}

// A walk that fails once the host has workloads (here: no descriptor left to list a
// directory) keeps the workloads found last, still sampled; the walk is tried again until it
// works. At start, with nothing to keep, the failure is the caller's to see.
TEST_F(RealHostTest, AFailedWalkKeepsTheWorkloadsFoundLast) {
  RealHostOptions options;
  options.use_bpf = false;
  options.rediscover_every = 1;  // a walk at every sample
  const auto made = make_host(options);
  RealHost& host = *made;
  ASSERT_EQ(discovered(host), 1u);
  sample(host);  // the statistics files are open now
  sandbox_.create("w2");
  {
    test::ScopedFileLimit none_left(test::ScopedFileLimit::lowest_free_descriptor());
    sample(host);
    auto kept = host.workloads();
    ASSERT_TRUE(kept.ok()) << kept.error().message;
    EXPECT_EQ(kept->size(), 1u);
    auto s = host.sample();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->workloads.size(), 1u);
  }
  sample(host);
  EXPECT_EQ(discovered(host), 2u);  // the walk works again

  // A fresh host has nothing to keep.
  const auto fresh = make_host(options);
  test::ScopedFileLimit none_left(test::ScopedFileLimit::lowest_free_descriptor());
  EXPECT_FALSE(fresh->workloads().ok());
}

// The per-tick reads skip a v1 cpu.stat until it shows a quota period; when the agent applies a
// quota, the next sample reads every file, so throttling shows at once, not at the next full
// read.
TEST_F(RealHostTest, AnAppliedQuotaMakesTheNextSampleReadThrottling) {
  const auto* cpu = sandbox_.mount_for("cpu");
  ASSERT_NE(cpu, nullptr) << "no cpu controller mounted";
  RealHostOptions options;
  options.use_bpf = false;
  const auto made = make_host(options);
  RealHost& host = *made;
  auto found = host.workloads();
  ASSERT_TRUE(found.ok() && found->size() == 1);
  const std::string name = found->front().name;
  const auto throttling = [&]() -> std::pair<uint64_t, uint64_t> {
    auto s = host.sample();
    EXPECT_TRUE(s.ok() && s->workloads.size() == 1);
    if (!s || s->workloads.empty()) return {0, 0};
    return {s->workloads[0].nr_periods, s->workloads[0].nr_throttled};
  };
  EXPECT_EQ(throttling().first, 0u);

  // 10 % of a CPU, then half a second of spinning inside the cgroup.
  const std::string quota = cpu->v2 ? "10000 100000\n" : "10000\n";
  ASSERT_TRUE(
      write_file(sandbox_.dir("cpu", "w1") + (cpu->v2 ? "/cpu.max" : "/cpu.cfs_quota_us"), quota)
          .ok());
  const pid_t spinner =
      sandbox_.spawn({"/usr/bin/timeout", "0.5", "/bin/sh", "-c", "while :; do :; done"}, "w1");
  siginfo_t info{};  // waited for, left for the sandbox to reap
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(spinner), &info, WEXITED | WNOWAIT), 0);
  if (!cpu->v2) {
    EXPECT_EQ(throttling().first, 0u) << "a tick read cpu.stat before any read saw a period";
  }
  ResourceTargets applied;
  applied.cpu_quota_us = 10000;
  host.note_applied(name, applied);
  const auto [periods, throttled] = throttling();
  EXPECT_GT(periods, 0u);
  EXPECT_GT(throttled, 0u);
}

// The settings a sample carries are what the cgroup holds now: a write by anyone after the
// discovery shows in the next sample, and a v1 weight (shares) reads back as the weight
// written (shares 205 is weight 20, not 19).
TEST_F(RealHostTest, SettingsWrittenAfterDiscoveryShowInTheNextSample) {
  const auto* cpu = sandbox_.mount_for("cpu");
  ASSERT_NE(cpu, nullptr) << "no cpu controller mounted";
  const std::string dir = sandbox_.dir("cpu", "w1");
  RealHostOptions options;
  options.use_bpf = false;
  const auto made = make_host(options);
  RealHost& host = *made;
  ASSERT_EQ(discovered(host), 1u);
  const auto applied = [&]() -> ResourceTargets {
    auto s = host.sample();
    EXPECT_TRUE(s.ok() && s->workloads.size() == 1);
    if (!s || s->workloads.empty()) return {};
    return s->workloads[0].applied;
  };
  const auto set_weight = [&](uint64_t weight) {
    const uint64_t shares = weight * 1024 / 100 + (weight * 1024 % 100 >= 50 ? 1 : 0);
    const std::string path = dir + (cpu->v2 ? "/cpu.weight" : "/cpu.shares");
    const auto written = write_file(path, std::to_string(cpu->v2 ? weight : shares) + "\n");
    ASSERT_TRUE(written.ok()) << written.error().message;
  };
  EXPECT_EQ(applied().cpu_weight, std::optional<uint32_t>(100));

  set_weight(20);
  EXPECT_EQ(applied().cpu_weight, std::optional<uint32_t>(20));
  EXPECT_EQ(applied().cpu_weight, std::optional<uint32_t>(20));  // and stays so
  set_weight(381);
  const std::string quota = cpu->v2 ? "50000 100000\n" : "50000\n";
  ASSERT_TRUE(write_file(dir + (cpu->v2 ? "/cpu.max" : "/cpu.cfs_quota_us"), quota).ok());
  const ResourceTargets now = applied();
  EXPECT_EQ(now.cpu_weight, std::optional<uint32_t>(381));
  EXPECT_EQ(now.cpu_quota_us, std::optional<uint64_t>(50000));
  EXPECT_EQ(now.cpu_period_us, std::optional<uint64_t>(100000));
}

// Per-device I/O limits are part of the settings a sample carries.
TEST_F(RealHostTest, IoLimitsAreInTheSample) {
  const auto* blkio = sandbox_.mount_for("blkio");
  const bool v1 = blkio != nullptr && !blkio->v2;
  const std::string dir = v1 ? sandbox_.dir("blkio", "w1") : sandbox_.dir("unified", "w1");
  const std::string file = dir + (v1 ? "/blkio.throttle.read_bps_device" : "/io.max");
  if (::access(file.c_str(), W_OK) != 0) GTEST_SKIP() << "no I/O limit file: " << file;
  RealHostOptions options;
  options.use_bpf = false;
  const auto made = make_host(options);
  RealHost& host = *made;
  ASSERT_EQ(discovered(host), 1u);
  auto before = host.sample();
  ASSERT_TRUE(before.ok() && before->workloads.size() == 1);
  EXPECT_EQ(before->workloads[0].applied.io_limits,
            std::optional<std::vector<IoDeviceLimit>>(std::vector<IoDeviceLimit>{}));

  // The first block device that takes a limit (1 MiB/s of reads).
  std::optional<IoDeviceLimit> limited;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/block")) {
    const auto dev = read_file(entry.path().string() + "/dev");
    unsigned major = 0, minor = 0;
    if (!dev || std::sscanf(dev->c_str(), "%u:%u", &major, &minor) != 2) continue;
    const std::string key = std::to_string(major) + ":" + std::to_string(minor);
    if (write_file(file, key + (v1 ? " 1048576\n" : " rbps=1048576\n")).ok()) {
      limited = IoDeviceLimit{major, minor};
      limited->rbps = 1048576;
      break;
    }
  }
  if (!limited) GTEST_SKIP() << "no block device here takes a limit in " << file;
  auto after = host.sample();
  ASSERT_TRUE(after.ok() && after->workloads.size() == 1);
  EXPECT_EQ(after->workloads[0].applied.io_limits,
            std::optional<std::vector<IoDeviceLimit>>(std::vector<IoDeviceLimit>{*limited}));
}

}  // namespace
}  // namespace dwae::agent
