// Discovery on fixture hosts: systemd units, libvirt scopes, Kubernetes pods, cgroup globs; a
// directory that cannot be listed fails discovery.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>

#include "dwae/discovery/discovery.h"
#include "support/file_limit.h"
#include "support/host_fixture.h"

namespace dwae::discovery {
namespace {

config::WorkloadClass make_class(const std::string& name, config::ClassKind kind) {
  config::WorkloadClass c;
  c.name = name;
  c.kind = kind;
  return c;
}

using config::MatchRule;
using test::FixtureLayout;
using test::HostFixture;

config::Config config_with(std::vector<std::tuple<std::string, MatchRule::Kind, std::string>> rules,
                           std::string qos = {}) {
  config::Config cfg;
  cfg.classes.push_back(make_class("latency-sensitive", config::ClassKind::kLatencySensitive));
  cfg.classes.push_back(make_class("best-effort", config::ClassKind::kBestEffort));
  for (auto& [name, kind, pattern] : rules) {
    config::WorkloadRule r;
    r.name = name;
    r.class_name = name.starts_with("be") ? "best-effort" : "latency-sensitive";
    r.match.kind = kind;
    r.match.pattern = pattern;
    r.match.k8s_qos = qos;
    cfg.workloads.push_back(r);
  }
  return cfg;
}

const Workload* find(const std::vector<Workload>& ws, const std::string& name) {
  const auto it =
      std::find_if(ws.begin(), ws.end(), [&](const Workload& w) { return w.name == name; });
  return it == ws.end() ? nullptr : &*it;
}

class DiscoveryTest : public ::testing::Test {
 protected:
  explicit DiscoveryTest(FixtureLayout kind = FixtureLayout::kHybrid) : host_(kind) {}
  Result<std::vector<Workload>> discover(const config::Config& cfg) {
    auto layout = hostfs::detect_layout(hostfs::HostPaths::for_root(host_.root()));
    EXPECT_TRUE(layout.ok());
    layout_ = std::move(layout).value();
    return Discovery(layout_, hostfs::ProcFs(hostfs::HostPaths::for_root(host_.root())))
        .discover(cfg);
  }
  HostFixture host_;
  hostfs::CgroupLayout layout_;
};

TEST_F(DiscoveryTest, SystemdUnitsAreOneWorkloadAcrossHierarchies) {
  for (const char* c : {"cpu", "memory", "io", "unified"}) {
    host_.cgroup(c, "/system.slice/nginx.service");
    host_.cgroup(c, "/system.slice/redis-server.service");
  }
  host_.cgroup("cpu", "/system.slice/nginx.socket.d");
  const auto ws = discover(config_with({{"web", MatchRule::Kind::kSystemdUnit, "nginx*.service"}}));
  ASSERT_TRUE(ws.ok()) << ws.error().message;
  ASSERT_EQ(ws->size(), 1u);
  const Workload& w = (*ws)[0];
  EXPECT_EQ(w.name, "svc/nginx.service");
  EXPECT_EQ(w.kind, WorkloadKind::kService);
  EXPECT_EQ(w.rule, "web");
  EXPECT_EQ(w.class_kind, config::ClassKind::kLatencySensitive);
  EXPECT_EQ(w.dirs.get(hostfs::Controller::kCpu),
            host_.root() + "/sys/fs/cgroup/cpu,cpuacct/system.slice/nginx.service");
  EXPECT_EQ(w.dirs.get(hostfs::Controller::kCpuacct), w.dirs.get(hostfs::Controller::kCpu));
  EXPECT_EQ(w.dirs.get(hostfs::Controller::kMemory),
            host_.root() + "/sys/fs/cgroup/memory/system.slice/nginx.service");
  EXPECT_EQ(w.dirs.unified, host_.root() + "/sys/fs/cgroup/unified/system.slice/nginx.service");
  EXPECT_TRUE(w.dirs.get(hostfs::Controller::kPids).empty());
}

TEST_F(DiscoveryTest, LibvirtScopesBecomeVmsNamedByDomain) {
  host_.cgroup("cpu", "/machine.slice/machine-qemu\\x2d3\\x2dweb\\x2d1.scope/libvirt/vcpu0");
  host_.cgroup("cpu", "/machine.slice/machine-qemu\\x2d4\\x2dbatch.scope");
  const auto ws = discover(config_with({{"vms", MatchRule::Kind::kLibvirtDomain, "web-*"}}));
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->size(), 1u);
  EXPECT_EQ((*ws)[0].name, "vm/web-1");
  EXPECT_EQ((*ws)[0].kind, WorkloadKind::kVm);
  EXPECT_EQ((*ws)[0].hierarchy_path, "/machine.slice/machine-qemu\\x2d3\\x2dweb\\x2d1.scope");
}

TEST_F(DiscoveryTest, KubernetesPodsByQosClassForBothCgroupDrivers) {
  host_.cgroup("cpu", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_ab.slice");
  host_.cgroup("cpu", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod99.slice");
  host_.cgroup("memory", "/kubepods/besteffort/pod77");
  host_.cgroup("memory", "/kubepods/pod55");
  const auto all = discover(config_with({{"pods", MatchRule::Kind::kKubernetes, "*"}}));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  ASSERT_NE(find(*all, "pod/12-ab"), nullptr);
  EXPECT_EQ(find(*all, "pod/12-ab")->k8s_qos, "burstable");
  EXPECT_EQ(find(*all, "pod/77")->k8s_qos, "besteffort");
  EXPECT_EQ(find(*all, "pod/55")->k8s_qos, "guaranteed");
  const auto be =
      discover(config_with({{"be-pods", MatchRule::Kind::kKubernetes, "*"}}, "besteffort"));
  ASSERT_TRUE(be.ok());
  ASSERT_EQ(be->size(), 2u);
  EXPECT_NE(find(*be, "pod/99"), nullptr);
  EXPECT_NE(find(*be, "pod/77"), nullptr);
}

TEST_F(DiscoveryTest, DoubleStarGlobJoinsTheSameSubtreeUnderDifferentPrefixes) {
  host_.cgroup("cpu", "/t1/ls");
  host_.cgroup("memory", "/process_api/abc/t1/ls");
  host_.cgroup("cpu", "/t1/be");
  const auto ws = discover(config_with({{"ls", MatchRule::Kind::kCgroup, "**/t1/ls"}}));
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->size(), 1u);
  EXPECT_EQ((*ws)[0].name, "t1/ls");
  EXPECT_EQ((*ws)[0].dirs.get(hostfs::Controller::kCpu),
            host_.root() + "/sys/fs/cgroup/cpu,cpuacct/t1/ls");
  EXPECT_EQ((*ws)[0].dirs.get(hostfs::Controller::kMemory),
            host_.root() + "/sys/fs/cgroup/memory/process_api/abc/t1/ls");
}

TEST_F(DiscoveryTest, AGroupNamedInBytesThatAreNotUtf8IsNoWorkload) {
  host_.cgroup("cpu", "/t1/ok");
  host_.cgroup("cpu", "/t1/bad-\xff");
  host_.cgroup("cpu", "/t1/bad-\xff/child");
  const auto ws = discover(config_with(
      {{"all", MatchRule::Kind::kCgroup, "t1/*"}, {"deep", MatchRule::Kind::kCgroup, "**/child"}}));
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->size(), 1u);
  EXPECT_EQ((*ws)[0].name, "t1/ok");
}

TEST_F(DiscoveryTest, FirstRuleWinsAndLaterRulesDoNotDuplicate) {
  host_.cgroup("cpu", "/a/x");
  host_.cgroup("cpu", "/a/y");
  const auto ws = discover(config_with(
      {{"ls", MatchRule::Kind::kCgroup, "/a/x"}, {"be-rest", MatchRule::Kind::kCgroup, "/a/*"}}));
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->size(), 2u);
  EXPECT_EQ(find(*ws, "a/x")->rule, "ls");
  EXPECT_EQ(find(*ws, "a/y")->rule, "be-rest");
  EXPECT_EQ(find(*ws, "a/y")->class_kind, config::ClassKind::kBestEffort);
}

TEST_F(DiscoveryTest, WorkloadsAppearAndVanishBetweenCalls) {
  const auto cfg = config_with({{"ls", MatchRule::Kind::kCgroup, "/w/*"}});
  auto ws = discover(cfg);
  ASSERT_TRUE(ws.ok());
  EXPECT_TRUE(ws->empty());
  host_.cgroup("cpu", "/w/one");
  ws = discover(cfg);
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(ws->size(), 1u);
  host_.remove(host_.mount("cpu") + "/w/one");
  ws = discover(cfg);
  ASSERT_TRUE(ws.ok());
  EXPECT_TRUE(ws->empty());
}

TEST_F(DiscoveryTest, QemuProcessesFromProcWithTheirVcpuThreads) {
  host_.write("proc/4242/comm", "qemu-system-x86\n");
  host_.write("proc/4242/cmdline",
              std::string("qemu-system-x86_64\0-name\0guest=db,debug-threads=on\0", 51));
  host_.write("proc/4242/cgroup", "4:memory:/vms/db\n1:cpu,cpuacct:/vms/db\n0::/vms/db\n");
  host_.write("proc/4242/task/4242/comm", "qemu-system-x86\n");
  host_.write("proc/4242/task/4250/comm", "CPU 1/KVM\n");
  host_.write("proc/4242/task/4249/comm", "CPU 0/KVM\n");
  host_.write("proc/4242/task/4249/cgroup", "1:cpu,cpuacct:/vms/db/vcpu0\n0::/vms/db\n");
  host_.write("proc/4242/task/4250/cgroup", "1:cpu,cpuacct:/vms/db/vcpu1\n0::/vms/db\n");
  host_.write("proc/77/comm", "bash\n");
  host_.cgroup("cpu", "/vms/db/vcpu0");
  host_.cgroup("memory", "/vms/db");
  const auto ws = discover(config_with({{"vms", MatchRule::Kind::kLibvirtDomain, "db"}}));
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->size(), 1u);
  const Workload& w = (*ws)[0];
  EXPECT_EQ(w.name, "vm/db");
  EXPECT_EQ(w.vmm_pid, 4242);
  ASSERT_EQ(w.vcpus.size(), 2u);
  EXPECT_EQ(w.vcpus[0].index, 0u);
  EXPECT_EQ(w.vcpus[0].tid, 4249);
  EXPECT_EQ(w.vcpus[1].cpu_cgroup_dir, host_.root() + "/sys/fs/cgroup/cpu,cpuacct/vms/db/vcpu1");
  EXPECT_EQ(w.dirs.get(hostfs::Controller::kMemory), host_.root() + "/sys/fs/cgroup/memory/vms/db");
}

TEST_F(DiscoveryTest, ADirectoryThatCannotBeListedFailsDiscoveryNamingIt) {
  host_.cgroup("cpu", "/system.slice/nginx.service");
  const auto cfg = config_with({{"web", MatchRule::Kind::kSystemdUnit, "*.service"}});
  const auto before = discover(cfg);
  ASSERT_TRUE(before.ok()) << before.error().message;
  ASSERT_EQ(before->size(), 1u);
  const Discovery discovery(layout_, hostfs::ProcFs(hostfs::HostPaths::for_root(host_.root())));
  // No descriptor left for opendir(3): the walk fails for real (chmod cannot stop root).
  const test::ScopedFileLimit limit(test::ScopedFileLimit::lowest_free_descriptor());
  const auto found = discovery.discover(cfg);
  ASSERT_FALSE(found.ok()) << "found " << found->size() << " workloads";
  EXPECT_EQ(found.error().errno_value, EMFILE);
  EXPECT_NE(found.error().message.find(host_.root() + "/sys/fs/cgroup/"), std::string::npos)
      << found.error().message;
}

TEST_F(DiscoveryTest, TopLevelListsRootChildrenOnce) {
  host_.cgroup("cpu", "/system.slice/a.service");
  host_.cgroup("memory", "/system.slice");
  host_.cgroup("memory", "/user.slice");
  host_.cgroup("cpu", "/bad-\xff");  // not UTF-8: not listed (`dwae inspect --json` prints it)
  auto layout = hostfs::detect_layout(hostfs::HostPaths::for_root(host_.root()));
  ASSERT_TRUE(layout.ok());
  const auto top =
      Discovery(*layout, hostfs::ProcFs(hostfs::HostPaths::for_root(host_.root()))).top_level();
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].name, "system.slice");
  EXPECT_FALSE(top[0].dirs.get(hostfs::Controller::kCpu).empty());
  EXPECT_FALSE(top[0].dirs.get(hostfs::Controller::kMemory).empty());
  EXPECT_EQ(top[1].name, "user.slice");
}

}  // namespace
}  // namespace dwae::discovery
