// Block I/O fidelity: a saturated device serves its configured IOPS and bandwidth; weights
// split device time; random I/O costs more than sequential.
#include <gtest/gtest.h>

#include "dwae/common/clock.h"
#include "dwae/sim/sim_host.h"
#include "sim/sim_support.h"

namespace dwae::sim {
namespace {

WorkloadSpec io_workload(const std::string& name, IoPattern pattern, double bytes_per_s,
                         uint64_t op_bytes) {
  WorkloadSpec w;
  w.name = name;
  w.class_name = "tp";
  w.kind = WorkloadKind::kLogWriter;
  w.io.pattern = pattern;
  w.io.bytes_per_second = bytes_per_s;
  w.io.op_bytes = op_bytes;
  return w;
}

Scenario io_host() {
  Scenario s = test::host_with(4, Nanos{10'000'000'000});
  s.classes.push_back(test::batch_class("tp"));
  s.host.disk.random_iops = 10000;
  s.host.disk.bandwidth_bps = 400e6;
  s.host.disk.random_penalty = 4;
  return s;
}

TEST(IoModel, SaturatedDeviceGivesConfiguredIops) {
  Scenario s = io_host();
  s.workloads.push_back(io_workload("rr", IoPattern::kRandRead, 3 * 10000 * 4096.0, 4096));
  ManualClock clock;
  SimHost host(s, clock);
  host.run_until(s.duration);
  const auto io = host.sample()->workloads[0].io;
  EXPECT_NEAR(static_cast<double>(io.rand_read_ios) / 10.0, 10000, 10000 * 0.01);
}

TEST(IoModel, SequentialIsCheaperAndBandwidthBound) {
  Scenario s = io_host();
  s.workloads.push_back(io_workload("seq", IoPattern::kSeqWrite, 1e9, 128 * 1024));
  ManualClock clock;
  SimHost host(s, clock);
  host.run_until(s.duration);
  const auto io = host.sample()->workloads[0].io;
  EXPECT_NEAR(static_cast<double>(io.seq_write_bytes) / 10.0, 400e6, 400e6 * 0.01);
}

TEST(IoModel, WeightsSplitDeviceTime) {
  Scenario s = io_host();
  s.workloads.push_back(io_workload("heavy", IoPattern::kRandRead, 1e9, 4096));
  s.workloads.push_back(io_workload("light", IoPattern::kRandRead, 1e9, 4096));
  s.workloads[0].settings.io_weight = 300;
  ManualClock clock;
  SimHost host(s, clock);
  Decision d;
  ResourceTargets t;
  t.io_weight = 300;
  d.workloads.push_back({"heavy", t});
  host.apply(d);
  host.run_until(s.duration);
  const auto sample = host.sample().value();
  const double heavy = static_cast<double>(sample.workloads[0].io.rand_read_ios);
  const double light = static_cast<double>(sample.workloads[1].io.rand_read_ios);
  EXPECT_NEAR(heavy / light, 3.0, 0.06);
  EXPECT_NEAR((heavy + light) / 10.0, 10000, 100);
  EXPECT_GT(sample.workloads[1].io_latency_ns.quantile(0.5),
            sample.workloads[0].io_latency_ns.quantile(0.5));
}

}  // namespace
}  // namespace dwae::sim
