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

}  // namespace
}  // namespace dwae::telemetry
