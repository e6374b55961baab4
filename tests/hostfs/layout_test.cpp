// Layout detection on fixture hosts (v1, v2, hybrid) and on this machine.
#include "dwae/hostfs/layout.h"

#include <gtest/gtest.h>

#include "support/cgroup_sandbox.h"
#include "support/host_fixture.h"

namespace dwae::hostfs {
namespace {

using test::FixtureLayout;
using test::HostFixture;

TEST(Layout, HybridHostHasV1ControllersAndAV2MountWithPsi) {
  HostFixture host(FixtureLayout::kHybrid);
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->kind, LayoutKind::kHybrid);
  const Hierarchy* cpu = layout->hierarchy(Controller::kCpu);
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->version, CgroupVersion::kV1);
  EXPECT_EQ(cpu->mount_point, host.root() + "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout->hierarchy(Controller::kCpuacct), cpu);  // co-mounted
  EXPECT_EQ(layout->hierarchy(Controller::kIo)->mount_point, host.root() + "/sys/fs/cgroup/blkio");
  ASSERT_NE(layout->unified(), nullptr);
  EXPECT_TRUE(layout->unified()->controllers.empty());
  EXPECT_TRUE(layout->psi_per_cgroup);
  EXPECT_TRUE(layout->psi_system);
}

TEST(Layout, UnifiedHostCarriesEveryControllerOnOneMount) {
  HostFixture host(FixtureLayout::kV2);
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->kind, LayoutKind::kV2);
  for (const auto c : kAllControllers) {
    ASSERT_NE(layout->hierarchy(c), nullptr) << to_string(c);
    EXPECT_EQ(layout->hierarchy(c), layout->unified());
  }
}

TEST(Layout, V1HostHasNoPerCgroupPsi) {
  HostFixture host(FixtureLayout::kV1);
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->kind, LayoutKind::kV1);
  EXPECT_EQ(layout->unified(), nullptr);
  EXPECT_FALSE(layout->psi_per_cgroup);
  EXPECT_EQ(layout->hierarchy(Controller::kMemory)->version, CgroupVersion::kV1);
}

TEST(Layout, NoCgroupMountsIsLayoutNone) {
  test::TempDir dir;
  dir.write("proc/self/mountinfo", "20 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n");
  const auto layout = detect_layout(HostPaths::for_root(dir.path()));
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->kind, LayoutKind::kNone);
  EXPECT_EQ(layout->hierarchy(Controller::kCpu), nullptr);
}

TEST(Layout, MissingOrGarbledMountinfoIsAnError) {
  test::TempDir dir;
  EXPECT_FALSE(detect_layout(HostPaths::for_root(dir.path())).ok());
  dir.write("proc/self/mountinfo", "this is not mountinfo\n");
  EXPECT_FALSE(detect_layout(HostPaths::for_root(dir.path())).ok());
}

TEST(Layout, DirStripsABindMountRoot) {
  Hierarchy h;
  h.mount_point = "/sys/fs/cgroup/cpu";
  h.mount_root = "/kubepods/pod1";
  EXPECT_EQ(CgroupLayout::dir(h, "/kubepods/pod1/c1"), "/sys/fs/cgroup/cpu/c1");
  EXPECT_EQ(CgroupLayout::dir(h, "/kubepods/pod1"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(CgroupLayout::dir(h, "/other"), "");
  EXPECT_EQ(CgroupLayout::dir(h, "/kubepods/pod12"), "");
  h.mount_root = "/";
  EXPECT_EQ(CgroupLayout::dir(h, "/"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(CgroupLayout::dir(h, "/a/b/"), "/sys/fs/cgroup/cpu/a/b");
}

// On this machine the layout must agree with an independent reading of mountinfo.
TEST(Layout, ThisMachineMatchesItsMountinfo) {
  const auto layout = detect_layout(HostPaths{});
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  test::CgroupSandbox sandbox;  // parses mountinfo on its own
  const bool has_v2 = sandbox.mount_for("unified") != nullptr;
  const bool has_v1 = sandbox.mount_for("cpu") != nullptr || sandbox.mount_for("memory") != nullptr;
  const LayoutKind expected = has_v1 && has_v2 ? LayoutKind::kHybrid
                              : has_v1         ? LayoutKind::kV1
                              : has_v2         ? LayoutKind::kV2
                                               : LayoutKind::kNone;
  EXPECT_EQ(layout->kind, expected);
  for (const char* name : {"cpu", "cpuset", "memory", "pids"}) {
    const auto* m = sandbox.mount_for(name);
    if (m == nullptr || m->v2) continue;
    Controller c{};
    for (const auto x : kAllControllers) {
      if (std::string(to_string(x)) == name) c = x;
    }
    ASSERT_NE(layout->hierarchy(c), nullptr) << name;
    EXPECT_EQ(layout->hierarchy(c)->mount_point, m->mount_point) << name;
  }
}

TEST(Layout, DirsForPathFindsOnlyExistingDirectories) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/a");
  host.cgroup("memory", "/a");
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  const auto dirs = dirs_for_path(*layout, "/a");
  EXPECT_EQ(dirs.get(Controller::kCpu), host.root() + "/sys/fs/cgroup/cpu,cpuacct/a");
  EXPECT_EQ(dirs.get(Controller::kMemory), host.root() + "/sys/fs/cgroup/memory/a");
  EXPECT_TRUE(dirs.get(Controller::kIo).empty());
  EXPECT_TRUE(dirs.unified.empty());
  EXPECT_TRUE(dirs_for_path(*layout, "/nope").empty());
}

}  // namespace
}  // namespace dwae::hostfs
