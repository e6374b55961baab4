// The actuator on real cgroups of this machine: every write read back from the kernel, and
// every value put back by restore().
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "dwae/actuator/cgroup_actuator.h"
#include "dwae/actuator/values.h"
#include "dwae/common/strings.h"
#include "real_cgroup_fixture.h"
#include "support/temp_dir.h"

namespace dwae::actuator {
namespace {

using hostfs::Controller;
using test_support::RealCgroupTest;

std::string value_of(const std::string& path) {
  return std::string(trim(dwae::test::read_text(path)));
}

TEST_F(RealCgroupTest, CpuWritesAreReadBackAndRestored) {
  const std::vector<std::string> files =
      v1(Controller::kCpu)
          ? std::vector<std::string>{"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us",
                                     "cpu.cfs_burst_us", "cpu.idle"}
          : std::vector<std::string>{"cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle"};
  std::map<std::string, std::string> original;
  for (const auto& f : files) original[f] = value_of(file(Controller::kCpu, f));

  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok()) << actuator.error().message;
  actuator->set_workloads({workload_});
  Decision d;
  ResourceTargets& t = d.workloads.emplace_back(WorkloadDecision{"w", {}}).targets;
  t.cpu_weight = 300;
  t.cpu_quota_us = 40000;
  t.cpu_period_us = 50000;
  t.cpu_burst_us = 10000;
  const auto report = actuator->apply(d);
  for (const auto& f : report.fields) EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  EXPECT_EQ(report.workloads_applied, 1u);
  if (v1(Controller::kCpu)) {
    EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.shares")), "3072");
    EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.cfs_quota_us")), "40000");
    EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.cfs_period_us")), "50000");
    EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.cfs_burst_us")), "10000");
  } else {
    EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.weight")), "300");
    EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.max")), "40000 50000");
  }
  // cpu.idle on its own: while idle the kernel shows (and enforces) the idle weight.
  Decision idle;
  idle.workloads.push_back(WorkloadDecision{"w", {}});
  idle.workloads[0].targets.cpu_idle = true;
  idle.workloads[0].targets.cpu_weight = 5000;  // ignored while idle
  const auto idle_report = actuator->apply(idle);
  for (const auto& f : idle_report.fields) EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.idle")), "1");

  ASSERT_TRUE(actuator->restore().ok());
  for (const auto& [f, v] : original) EXPECT_EQ(value_of(file(Controller::kCpu, f)), v) << f;
  EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), -1);  // journal removed
}

// A workload the actuator stops managing (a reload dropped its rule) gets its original values
// back at once, and its files leave the journal; one still managed keeps what it was given.
TEST_F(RealCgroupTest, AWorkloadNoLongerManagedGetsItsOriginalsBackAtOnce) {
  const char* weight_file = v1(Controller::kCpu) ? "cpu.shares" : "cpu.weight";
  const std::string before = value_of(file(Controller::kCpu, weight_file));
  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok()) << actuator.error().message;
  EXPECT_EQ(actuator->set_workloads({workload_}).restored, 0u);
  Decision d;
  d.workloads.emplace_back(WorkloadDecision{"w", {}}).targets.cpu_weight = 300;
  ASSERT_EQ(actuator->apply(d).workloads_applied, 1u);
  ASSERT_NE(value_of(file(Controller::kCpu, weight_file)), before);
  ASSERT_EQ(actuator->journal().entries().size(), 1u);

  // The same workload again (a discovery that changed nothing): nothing is put back.
  EXPECT_EQ(actuator->set_workloads({workload_}).restored, 0u);
  EXPECT_NE(value_of(file(Controller::kCpu, weight_file)), before);

  const RestoreReport released = actuator->set_workloads({});
  EXPECT_EQ(released.restored, 1u);
  EXPECT_TRUE(released.failures.empty());
  EXPECT_EQ(value_of(file(Controller::kCpu, weight_file)), before);
  EXPECT_TRUE(actuator->journal().entries().empty());
  EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), -1);  // nothing left to keep
  ASSERT_TRUE(actuator->restore().ok());
}

// Setting cpu.idle makes the kernel set the idle weight in the weight file, and leaving idle the
// default one: a weight first written after the group went idle must still be restored to what
// it was before the agent touched cpu.idle, not to the idle weight.
TEST_F(RealCgroupTest, AWeightFirstWrittenAfterIdleIsRestoredToItsValueBeforeIdle) {
  const std::string weight = weight_file();
  const std::string before = value_of(weight);
  const std::string idle_before = value_of(file(Controller::kCpu, "cpu.idle"));
  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok()) << actuator.error().message;
  actuator->set_workloads({workload_});
  Decision idle;
  idle.workloads.push_back(WorkloadDecision{"w", {}});
  idle.workloads[0].targets.cpu_idle = true;
  for (const auto& f : actuator->apply(idle).fields)
    EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  EXPECT_NE(value_of(weight), before) << "the kernel shows the idle weight while idle";

  // Out of idle, with a weight: the weight file's first write by the agent.
  Decision busy;
  busy.workloads.push_back(WorkloadDecision{"w", {}});
  busy.workloads[0].targets.cpu_idle = false;
  busy.workloads[0].targets.cpu_weight = 300;
  for (const auto& f : actuator->apply(busy).fields)
    EXPECT_TRUE(f.ok) << f.field << ": " << f.message;

  const std::string busy_weight = value_of(weight);
  EXPECT_EQ(busy_weight, v1(Controller::kCpu) ? "3072" : "300");

  // Idle again, then out of idle with the same weight as before: the kernel reset the weight
  // file on the way, so the weight must be written again, not taken as already there.
  for (const auto& f : actuator->apply(idle).fields)
    EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  for (const auto& f : actuator->apply(busy).fields)
    EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  EXPECT_EQ(value_of(weight), busy_weight);

  ASSERT_TRUE(actuator->restore().ok());
  EXPECT_EQ(value_of(file(Controller::kCpu, "cpu.idle")), idle_before);
  EXPECT_EQ(value_of(weight), before);
}

TEST_F(RealCgroupTest, CpusetAndMemoryWritesAreReadBackAndRestored) {
  const std::string cpus = value_of(file(Controller::kCpuset, "cpuset.cpus"));
  const std::string limit_file = v1(Controller::kMemory) ? "memory.limit_in_bytes" : "memory.max";
  const std::string low_file =
      v1(Controller::kMemory) ? "memory.soft_limit_in_bytes" : "memory.low";
  const std::string limit = value_of(file(Controller::kMemory, limit_file));
  const std::string low = value_of(file(Controller::kMemory, low_file));

  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok()) << actuator.error().message;
  actuator->set_workloads({workload_});
  Decision d;
  ResourceTargets& t = d.workloads.emplace_back(WorkloadDecision{"w", {}}).targets;
  t.cpuset_cpus = std::vector<uint32_t>{0};
  t.memory_low_bytes = 32ull << 20;
  t.memory_max_bytes = 256ull << 20;
  const auto report = actuator->apply(d);
  for (const auto& f : report.fields) EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  EXPECT_EQ(value_of(file(Controller::kCpuset, "cpuset.cpus")), "0");
  EXPECT_EQ(value_of(file(Controller::kMemory, limit_file)), std::to_string(256ull << 20));
  EXPECT_EQ(value_of(file(Controller::kMemory, low_file)), std::to_string(32ull << 20));

  ASSERT_TRUE(actuator->restore().ok());
  EXPECT_EQ(value_of(file(Controller::kCpuset, "cpuset.cpus")), cpus);
  EXPECT_EQ(value_of(file(Controller::kMemory, limit_file)), limit);
  EXPECT_EQ(value_of(file(Controller::kMemory, low_file)), low);
}

// What the kernel holds after each weight of the whole range is written (as shares on v1)
// converts back to that weight.
TEST_F(RealCgroupTest, EveryWeightWrittenReadsBackAsTheSameWeight) {
  const bool shares = v1(Controller::kCpu);
  const std::string path = weight_file();
  for (uint64_t weight = 1; weight <= 10000; ++weight) {
    const std::string text = std::to_string(shares ? weight_to_shares(weight) : weight);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << path;
    const auto written = ::write(fd, text.data(), text.size());
    ::close(fd);
    ASSERT_EQ(written, static_cast<ssize_t>(text.size())) << path << " <- " << text;
    const auto read_back = parse_uint64(value_of(path));
    ASSERT_TRUE(read_back.has_value()) << path;
    ASSERT_EQ(shares ? shares_to_weight(*read_back) : *read_back, weight)
        << path << " <- " << text << " reads back " << *read_back;
  }
}

TEST_F(RealCgroupTest, DryRunPlansButWritesNothing) {
  const std::string before = value_of(weight_file());
  options_.dry_run = true;
  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok());
  actuator->set_workloads({workload_});
  const auto report = actuator->apply(weight_decision(777));
  EXPECT_EQ(report.workloads_applied, 1u);
  ASSERT_EQ(actuator->last_plans().size(), 1u);
  EXPECT_EQ(actuator->last_plans()[0].writes.size(), 1u);
  EXPECT_TRUE(mentions(report, "dry-run:"));
  EXPECT_EQ(value_of(weight_file()), before);
  EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), -1);  // no journal either
}

TEST_F(RealCgroupTest, WritesOutsideTheRootsAreRefused) {
  // Roots that do not contain the sandbox: the actuator must refuse, and write nothing.
  dwae::test::TempDir elsewhere;
  options_.cgroup_roots = {elsewhere.path()};
  const std::string before = value_of(weight_file());
  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok());
  actuator->set_workloads({workload_});
  const auto report = actuator->apply(weight_decision(555));
  EXPECT_EQ(report.workloads_failed, 1u);
  EXPECT_TRUE(mentions(report, "outside the configured"));
  EXPECT_EQ(value_of(weight_file()), before);
}

TEST_F(RealCgroupTest, UnknownWorkloadFailsAloneAndOthersApply) {
  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok());
  actuator->set_workloads({workload_});
  Decision d;
  d.workloads.push_back(WorkloadDecision{"ghost", {}});
  d.workloads[0].targets.cpu_weight = 10;
  d.workloads.push_back(WorkloadDecision{"w", {}});
  d.workloads[1].targets.cpu_weight = 50;
  const auto report = actuator->apply(d);
  EXPECT_EQ(report.workloads_failed, 1u);
  EXPECT_EQ(report.workloads_applied, 1u);
  ASSERT_TRUE(actuator->restore().ok());
}

}  // namespace
}  // namespace dwae::actuator
