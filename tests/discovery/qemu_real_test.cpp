// A real, paused QEMU process (TCG, no guest image) is discovered as a VM with its vCPUs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "dwae/discovery/discovery.h"
#include "support/cgroup_sandbox.h"

namespace dwae::discovery {
namespace {

config::WorkloadClass make_class(const std::string& name, config::ClassKind kind) {
  config::WorkloadClass c;
  c.name = name;
  c.kind = kind;
  return c;
}

TEST(QemuReal, PausedQemuIsAVmWithTwoVcpuThreads) {
  ASSERT_EQ(::access("/usr/bin/qemu-system-x86_64", X_OK), 0)
      << "qemu-system-x86_64 is missing: run scripts/setup";
  test::CgroupSandbox sandbox;
  const std::string vm_name = sandbox.name() + "-vm";
  const pid_t pid =
      sandbox.spawn({"qemu-system-x86_64", "-S", "-display", "none", "-nodefaults", "-monitor",
                     "none", "-serial", "none", "-accel", "tcg", "-m", "64", "-smp", "2", "-name",
                     "guest=" + vm_name + ",debug-threads=on"},
                    "vm");
  auto layout = hostfs::detect_layout(hostfs::HostPaths{});
  ASSERT_TRUE(layout.ok());
  config::Config cfg;
  cfg.classes.push_back(make_class("latency-sensitive", config::ClassKind::kLatencySensitive));
  config::WorkloadRule rule;
  rule.name = "vms";
  rule.class_name = "latency-sensitive";
  rule.match.kind = config::MatchRule::Kind::kLibvirtDomain;
  rule.match.pattern = vm_name;
  cfg.workloads.push_back(rule);
  const Discovery discovery(*layout, hostfs::ProcFs(hostfs::HostPaths{}));

  // QEMU names its vCPU threads during start-up; wait (bounded) until both exist.
  std::vector<Workload> found;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto ws = discovery.discover(cfg);
    ASSERT_TRUE(ws.ok()) << ws.error().message;
    if (ws->size() == 1 && (*ws)[0].vcpus.size() == 2) {
      found = std::move(ws).value();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(found.size(), 1u) << "QEMU not discovered";
  const Workload& w = found[0];
  EXPECT_EQ(w.name, "vm/" + vm_name);
  EXPECT_EQ(w.kind, WorkloadKind::kVm);
  EXPECT_EQ(w.vmm_pid, pid);
  ASSERT_EQ(w.vcpus.size(), 2u);
  EXPECT_EQ(w.vcpus[0].index, 0u);
  EXPECT_EQ(w.vcpus[1].index, 1u);
  EXPECT_NE(w.vcpus[0].tid, pid);
  EXPECT_EQ(w.vcpus[0].cpu_cgroup_dir, sandbox.dir("cpu", "vm"));
  EXPECT_EQ(w.dirs.get(hostfs::Controller::kCpu), sandbox.dir("cpu", "vm"));
  EXPECT_EQ(w.dirs.get(hostfs::Controller::kMemory), sandbox.dir("memory", "vm"));
  sandbox.kill(pid);
}

}  // namespace
}  // namespace dwae::discovery
