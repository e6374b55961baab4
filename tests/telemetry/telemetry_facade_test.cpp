// Telemetry facade on the real kernel: attribution per class chosen from the detected layout,
// per-workload results from every class, and the fallback to files when eBPF is off (by
// option, or for want of BTF) that still produces samples and says why, once.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "dwae/telemetry/telemetry.h"
#include "support/cgroup_sandbox.h"
#include "telemetry_test_support.h"

namespace dwae::telemetry {
namespace {

using test::CgroupSandbox;
using test_support::kWorkload;
using test_support::or_die;
using test_support::wait_exit;

// The sandbox child's directory in every hierarchy, as discovery would give it (paths may
// differ per hierarchy: this process can sit in different cgroups of different controllers).
WorkloadCgroups workload(const CgroupSandbox& sandbox, const std::string& child) {
  WorkloadCgroups w{child, {}};
  for (const hostfs::Controller c : hostfs::kAllControllers) {
    const char* name = hostfs::v1_name(c);
    if (const auto* m = sandbox.mount_for(name); m != nullptr && !m->v2) {
      w.dirs.get(c) = sandbox.dir(name, child);
    }
  }
  if (sandbox.mount_for("unified") != nullptr) w.dirs.unified = sandbox.dir("unified", child);
  return w;
}

struct Opened {
  Telemetry telemetry;
  std::vector<std::string> log;
};

TelemetryOptions options_for_host(std::vector<std::string>* log) {
  const hostfs::CgroupLayout layout = or_die(hostfs::detect_layout({}), "layout");
  TelemetryOptions o;
  o.set_attribution_from(layout);
  o.log = [log](const std::string& line) { log->push_back(line); };
  return o;
}

const WorkloadTelemetry& find(const TelemetrySample& s, const std::string& name) {
  for (const auto& w : s.workloads) {
    if (w.name == name) return w;
  }
  ADD_FAILURE() << "no workload " << name;
  std::abort();
}

void print_status(const TelemetryStatus& status) {
  for (const auto& s : status.sources) {
    std::cout << (s.active ? "  on  " : "  off ") << s.name << ": " << s.detail << "\n";
  }
}

TEST(Telemetry, AttributesEveryClassToTheWorkloadInTheLayoutsHierarchies) {
  CgroupSandbox sandbox;
  std::vector<std::string> log;
  const hostfs::CgroupLayout layout = or_die(hostfs::detect_layout({}), "layout");
  TelemetryOptions options = options_for_host(&log);
  if (layout.kind == hostfs::LayoutKind::kHybrid) {
    EXPECT_EQ(options.sched_attribution, CgroupAttribution::kV1Cpu);
    EXPECT_EQ(options.memory_attribution, CgroupAttribution::kV1Memory);
    EXPECT_EQ(options.block_attribution, CgroupAttribution::kV1Blkio);
  }
  Telemetry telemetry = Telemetry::open(layout, options);
  print_status(telemetry.status());
  ASSERT_TRUE(telemetry.status().bpf_active) << telemetry.status().bpf_problem;
  for (const char* name : {"bpf:sched", "bpf:memory", "bpf:block", "bpf:net", "bpf:lifecycle",
                           "files:cgroup", "files:task-schedstat"}) {
    ASSERT_NE(telemetry.status().find(name), nullptr) << name;
    EXPECT_TRUE(telemetry.status().find(name)->active)
        << name << ": " << telemetry.status().find(name)->detail;
  }
  EXPECT_TRUE(log.empty()) << log.front();

  sandbox.create("hog");
  sandbox.create("forker");
  telemetry.set_workloads({workload(sandbox, "hog"), workload(sandbox, "forker")});
  ASSERT_TRUE(telemetry.drain().ok());
  sandbox.spawn({"sh", "-c", "while :; do :; done"}, "hog");
  ASSERT_EQ(wait_exit(sandbox.spawn({kWorkload, "spawn", "20"}, "forker")), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto sample = telemetry.drain();
  ASSERT_TRUE(sample.ok()) << sample.error().message;
  const WorkloadTelemetry& hog = find(*sample, "hog");
  const WorkloadTelemetry& forker = find(*sample, "forker");
  std::cout << "hog on_cpu_ms=" << static_cast<double>(hog.sched.on_cpu_ns) / 1e6
            << " forker forks=" << forker.lifecycle.forks << " faults=" << forker.memory.user_faults
            << " switches=" << forker.sched.switches << "\n";
  EXPECT_GT(hog.sched.on_cpu_ns, 50'000'000u);
  EXPECT_EQ(hog.lifecycle.forks, 0u);
  EXPECT_EQ(forker.lifecycle.forks, 20u);
  EXPECT_GT(forker.memory.user_faults, 20u * 10);  // every exec'd /bin/true faults its pages in
  EXPECT_EQ(hog.memory.user_faults < forker.memory.user_faults, true);
  ASSERT_TRUE(hog.files.has_value()) << hog.file_error;
  EXPECT_GT(hog.files->cpu_usage_ns.value_or(0), 0u);
}

TEST(Telemetry, FallbackWithBpfDisabledStillProducesSamplesAndSaysSoOnce) {
  CgroupSandbox sandbox;
  std::vector<std::string> log;
  const hostfs::CgroupLayout layout = or_die(hostfs::detect_layout({}), "layout");
  TelemetryOptions options = options_for_host(&log);
  options.bpf_enabled = false;
  Telemetry telemetry = Telemetry::open(layout, options);
  print_status(telemetry.status());
  const TelemetryStatus& status = telemetry.status();
  EXPECT_FALSE(status.bpf_active);
  EXPECT_NE(status.bpf_problem.find("disabled by option"), std::string::npos) << status.bpf_problem;
  ASSERT_NE(status.find("bpf:sched"), nullptr);
  EXPECT_FALSE(status.find("bpf:sched")->active);
  EXPECT_TRUE(status.find("files:cgroup")->active);
  EXPECT_TRUE(status.find("files:task-schedstat")->active);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("eBPF off (bpf:sched: disabled by option"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("running on cgroup files"), std::string::npos) << log[0];

  sandbox.spawn({"sh", "-c", "while :; do :; done"}, "hog");
  sandbox.spawn({"sh", "-c", "while :; do :; done"}, "hog");
  telemetry.set_workloads({workload(sandbox, "hog")});
  auto first = telemetry.drain();
  ASSERT_TRUE(first.ok()) << first.error().message;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto second = telemetry.drain();
  ASSERT_TRUE(second.ok()) << second.error().message;
  const WorkloadTelemetry& a = find(*first, "hog");
  const WorkloadTelemetry& b = find(*second, "hog");
  ASSERT_TRUE(a.files.has_value()) << a.file_error;
  ASSERT_TRUE(b.files.has_value()) << b.file_error;
  ASSERT_TRUE(b.task_run_delay_ns.has_value()) << b.file_error;
  const uint64_t used = b.files->cpu_usage_ns.value_or(0) - a.files->cpu_usage_ns.value_or(0);
  std::cout << "hog cpu_ms=" << static_cast<double>(used) / 1e6
            << " run_delay_ms=" << static_cast<double>(*b.task_run_delay_ns) / 1e6 << "\n";
  EXPECT_GT(used, 50'000'000u);      // two hogs for 0.3 s, on a shared host
  EXPECT_EQ(b.sched.on_cpu_ns, 0u);  // nothing from eBPF
  EXPECT_TRUE(second->sched.empty());
  EXPECT_EQ(log.size(), 1u);  // drains do not repeat it
}

// Every drain refreshes CPU usage; the slower statistics (here pids.current) are read on the
// first drain and every full_stats_every-th, and carried forward between. With the eBPF
// scheduling collector running, the per-thread schedstat files are not read at all.
TEST(Telemetry, SlowStatisticsAreReadEveryFullStatsEveryDrains) {
  CgroupSandbox sandbox;
  std::vector<std::string> log;
  const hostfs::CgroupLayout layout = or_die(hostfs::detect_layout({}), "layout");
  TelemetryOptions options = options_for_host(&log);
  options.full_stats_every = 3;
  Telemetry telemetry = Telemetry::open(layout, options);
  ASSERT_TRUE(telemetry.status().find("bpf:sched")->active) << telemetry.status().bpf_problem;
  if (sandbox.mount_for("pids") == nullptr) {
    GTEST_SKIP() << "no pids controller on this host: nothing slow to count";
  }
  sandbox.spawn({"sh", "-c", "while :; do :; done"}, "w");
  telemetry.set_workloads({workload(sandbox, "w")});

  std::vector<TelemetrySample> drains;
  for (int i = 0; i < 4; ++i) {
    if (i == 1) sandbox.spawn({"sleep", "30"}, "w");  // after the first (full) read
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto d = telemetry.drain();
    ASSERT_TRUE(d.ok()) << d.error().message;
    drains.push_back(std::move(d).value());
  }
  std::vector<uint64_t> pids, usage;
  for (const auto& d : drains) {
    const WorkloadTelemetry& w = find(d, "w");
    ASSERT_TRUE(w.files.has_value()) << w.file_error;
    EXPECT_FALSE(w.task_run_delay_ns.has_value());
    pids.push_back(w.files->pids_current.value_or(0));
    usage.push_back(w.files->cpu_usage_ns.value_or(0));
  }
  EXPECT_EQ(pids[0], 1u);
  EXPECT_EQ(pids[1], 1u);  // carried forward
  EXPECT_EQ(pids[2], 1u);
  EXPECT_EQ(pids[3], 2u);  // the third drain after a full read reads everything
  EXPECT_LT(usage[0], usage[1]);
  EXPECT_LT(usage[1], usage[2]);
  EXPECT_LT(usage[2], usage[3]);
}

TEST(Telemetry, WithoutKernelBtfFallsBackWithTheReason) {
  std::vector<std::string> log;
  const hostfs::CgroupLayout layout = or_die(hostfs::detect_layout({}), "layout");
  TelemetryOptions options = options_for_host(&log);
  options.kernel_btf_path = "/nonexistent/vmlinux";
  options.raw_events = true;
  Telemetry telemetry = Telemetry::open(layout, options);
  EXPECT_FALSE(telemetry.status().bpf_active);
  EXPECT_NE(telemetry.status().bpf_problem.find("no kernel BTF at /nonexistent/vmlinux"),
            std::string::npos)
      << telemetry.status().bpf_problem;
  EXPECT_FALSE(telemetry.status().find("bpf:raw")->active);
  ASSERT_EQ(log.size(), 1u);
  auto sample = telemetry.drain();
  ASSERT_TRUE(sample.ok()) << sample.error().message;
  EXPECT_TRUE(sample->workloads.empty());
}

// Opens the facade in a child process that has given up root (uid/gid nobody), and returns
// what its status said: "<bpf_active> <files:cgroup active>\n<bpf_problem>".
std::string status_without_privileges() {
  int fds[2];
  if (::pipe(fds) != 0) return "";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      out = "cannot drop privileges";
    } else {
      auto layout = hostfs::detect_layout({});
      TelemetryOptions o;
      if (layout) o.set_attribution_from(*layout);
      o.log = [](const std::string&) {};
      Telemetry t = Telemetry::open(layout ? *layout : hostfs::CgroupLayout{}, o);
      out = std::to_string(static_cast<int>(t.status().bpf_active)) + " " +
            std::to_string(static_cast<int>(t.status().find("files:cgroup")->active)) + "\n" +
            t.status().bpf_problem;
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return got;
}

TEST(Telemetry, WithoutPermissionFallsBackWithTheReason) {
  const std::string got = status_without_privileges();
  std::cout << got << "\n";
  ASSERT_EQ(got.substr(0, 4), "0 1\n") << got;  // eBPF off, files on
  EXPECT_NE(got.find("needs CAP_BPF and CAP_PERFMON"), std::string::npos) << got;
  EXPECT_NE(got.find("Operation not permitted"), std::string::npos) << got;
  // One reason, not five copies of it.
  EXPECT_EQ(got.find("needs CAP_BPF"), got.rfind("needs CAP_BPF")) << got;
}

TEST(Telemetry, RawModeDeliversEventsThroughDrain) {
  std::vector<std::string> log;
  const hostfs::CgroupLayout layout = or_die(hostfs::detect_layout({}), "layout");
  TelemetryOptions options = options_for_host(&log);
  options.raw_events = true;
  options.raw_sample_every = 8;
  Telemetry telemetry = Telemetry::open(layout, options);
  ASSERT_TRUE(telemetry.status().find("bpf:raw")->active)
      << telemetry.status().find("bpf:raw")->detail;
  ASSERT_TRUE(telemetry.drain().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto sample = telemetry.drain();
  ASSERT_TRUE(sample.ok());
  std::cout << "raw events=" << sample->raw_events.size() << " seen=" << sample->raw_counters.seen
            << " dropped=" << sample->raw_counters.dropped << "\n";
  EXPECT_GT(sample->raw_events.size(), 0u);
  EXPECT_GT(sample->raw_counters.seen, sample->raw_counters.sampled);
}

}  // namespace
}  // namespace dwae::telemetry
