// LifecycleCollector on the real kernel: a workload that forks and execs /bin/true 50 times is
// charged 50 forks, execs and exits in its own cgroup of the workload (cpu) hierarchy.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "dwae/telemetry/collectors.h"
#include "support/cgroup_sandbox.h"
#include "telemetry_test_support.h"

namespace dwae::telemetry {
namespace {

using test::CgroupSandbox;
using test_support::kWorkload;
using test_support::or_die;
using test_support::wait_exit;

TEST(LifecycleCollector, CountsForksExecsAndExitsOfTheWorkload) {
  CgroupSandbox sandbox;
  const bool v1 = sandbox.mount_for("cpu") != nullptr && !sandbox.mount_for("cpu")->v2;
  const std::string hierarchy = v1 ? "cpu" : "unified";
  CollectorOptions options;
  options.attribution = v1 ? CgroupAttribution::kV1Cpu : CgroupAttribution::kUnified;
  LifecycleCollector collector = or_die(LifecycleCollector::create(options), "collector");
  sandbox.create("quiet");
  ASSERT_TRUE(collector.drain().ok());
  const pid_t pid = sandbox.spawn({kWorkload, "spawn", "50"}, "forker");
  ASSERT_EQ(wait_exit(pid), 0);
  auto drained = collector.drain();
  ASSERT_TRUE(drained.ok()) << drained.error().message;
  const LifecycleStats f = (*drained)[or_die(cgroup_id_of(sandbox.dir(hierarchy, "forker")), "id")];
  const auto quiet = drained->find(or_die(cgroup_id_of(sandbox.dir(hierarchy, "quiet")), "id"));
  std::cout << "forker: forks=" << f.forks << " execs=" << f.execs
            << " thread_exits=" << f.thread_exits << " process_exits=" << f.process_exits << "\n";
  EXPECT_EQ(f.forks, 50u);
  EXPECT_EQ(f.execs, 51u);          // the workload itself, then /bin/true 50 times
  EXPECT_GE(f.process_exits, 51u);  // the 50 children and the workload
  EXPECT_GE(f.thread_exits, f.process_exits);
  EXPECT_EQ(quiet, drained->end());
}

// Host-wide counts of cgroup changes: every mkdir and rmdir in any hierarchy, and every task
// moved to another cgroup (other activity on the host can only add to them).
TEST(LifecycleCollector, CountsCgroupChangesAndTaskMoves) {
  CollectorOptions options;
  LifecycleCollector collector = or_die(LifecycleCollector::create(options), "collector");
  const auto before = collector.tree_changes();
  ASSERT_TRUE(before.has_value()) << "the kernel lacks the cgroup tracepoints: "
                                  << collector.missing_events().size() << " missing";
  size_t hierarchies = 0;
  {
    CgroupSandbox sandbox;  // one directory per hierarchy
    hierarchies = sandbox.mounts().size();
    sandbox.create("child");
    const auto made = collector.tree_changes();
    ASSERT_TRUE(made.has_value());
    EXPECT_GE(made->cgroup_changes, before->cgroup_changes + 2 * hierarchies);
    const pid_t pid = sandbox.spawn({kWorkload, "spawn", "1"}, "child");
    ASSERT_EQ(wait_exit(pid), 0);
    EXPECT_GT(collector.tree_changes()->task_moves, before->task_moves);
  }
  const auto removed = collector.tree_changes();
  ASSERT_TRUE(removed.has_value());
  std::cout << "cgroup changes: " << removed->cgroup_changes - before->cgroup_changes << " over "
            << hierarchies
            << " hierarchies, task moves: " << removed->task_moves - before->task_moves << "\n";
  EXPECT_GE(removed->cgroup_changes, before->cgroup_changes + 4 * hierarchies);
}

}  // namespace
}  // namespace dwae::telemetry
