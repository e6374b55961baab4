// Property: across nested workloads, cpuset shrinks are applied children first and grows
// parents first, for random (seeded) cpuset decisions.
#include <gtest/gtest.h>

#include <random>

#include "dwae/actuator/cgroup_actuator.h"
#include "support/host_fixture.h"

namespace dwae::actuator {
namespace {

TEST(CpusetOrderProperty, ShrinksGoChildFirstGrowsGoParentFirst) {
  test::HostFixture host(test::FixtureLayout::kV2);
  const std::vector<std::string> paths = {"/p", "/p/c", "/p/c/g", "/q", "/q/d"};
  for (const auto& p : paths)
    host.cgroup("cpuset", p, {{"cpuset.cpus", "0-3\n"}, {"cpuset.mems", "0\n"}});
  const auto layout = hostfs::detect_layout(hostfs::HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  ActuatorOptions options;
  options.cgroup_roots = {host.root() + "/sys/fs/cgroup"};
  options.journal_path = host.root() + "/journal.json";
  options.dry_run = true;
  options.refresh_ticks = 0;
  RealFileSystem fs;
  auto a = CgroupActuator::create(*layout, options, fs);
  ASSERT_TRUE(a.ok());
  std::vector<ManagedWorkload> ws;
  for (const auto& p : paths) {
    ManagedWorkload w;
    w.name = p;
    w.files = files_for(*layout, hostfs::dirs_for_path(*layout, p));
    ws.push_back(w);
  }
  a->set_workloads(ws);

  std::mt19937_64 rng(7);
  for (int round = 0; round < 500; ++round) {
    Decision d;
    for (const auto& p : paths) {
      if (rng() % 3 == 0) continue;
      std::vector<uint32_t> cpus;
      for (uint32_t c = 0; c < 8; ++c) {
        if (rng() % 2 != 0) cpus.push_back(c);
      }
      if (cpus.empty()) cpus.push_back(0);
      WorkloadDecision wd{p, {}};
      wd.targets.cpuset_cpus = cpus;
      d.workloads.push_back(wd);
    }
    (void)a->apply(d);
    const auto& plans = a->last_plans();
    const auto depth = [](const std::string& s) { return std::count(s.begin(), s.end(), '/'); };
    bool seen_grow = false;
    for (size_t i = 0; i < plans.size(); ++i) {
      if (plans[i].cpuset_direction > 0) seen_grow = true;
      if (plans[i].cpuset_direction < 0) {
        ASSERT_FALSE(seen_grow) << "a shrink after a grow in round " << round;
      }
      for (size_t j = i + 1; j < plans.size(); ++j) {
        const auto& x = plans[i];
        const auto& y = plans[j];
        const bool related =
            y.workload.starts_with(x.workload + "/") || x.workload.starts_with(y.workload + "/");
        if (!related) continue;
        if (x.cpuset_direction < 0 && y.cpuset_direction < 0) {
          EXPECT_GE(depth(x.workload), depth(y.workload))
              << "shrink: parent before child, round " << round;
        }
        if (x.cpuset_direction > 0 && y.cpuset_direction > 0) {
          EXPECT_LE(depth(x.workload), depth(y.workload))
              << "grow: child before parent, round " << round;
        }
      }
    }
  }
}

}  // namespace
}  // namespace dwae::actuator
