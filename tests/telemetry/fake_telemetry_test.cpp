// FakeTelemetry: scripted samples in order, then empty samples naming the given workloads;
// accumulate_bpf: drains added into a WorkloadSample.
#include "dwae/telemetry/fake_telemetry.h"

#include <gtest/gtest.h>

#include <memory>

namespace dwae::telemetry {
namespace {

TEST(FakeTelemetry, ReturnsQueuedSamplesThenEmptyOnesForTheWorkloads) {
  TelemetryStatus status;
  status.bpf_problem = "disabled by option";
  std::unique_ptr<TelemetrySource> source = std::make_unique<FakeTelemetry>(status);
  auto& fake = static_cast<FakeTelemetry&>(*source);
  TelemetrySample scripted;
  scripted.workloads.emplace_back();
  scripted.workloads[0].name = "svc/web";
  scripted.workloads[0].sched.on_cpu_ns = 42;
  fake.push(scripted);
  fake.push(Error{"kernel went away", 0});
  source->set_workloads({{"svc/web", {}}, {"svc/batch", {}}});

  auto first = source->drain();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->workloads.at(0).sched.on_cpu_ns, 42u);
  EXPECT_FALSE(source->drain().ok());
  auto third = source->drain();
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->workloads.size(), 2u);
  EXPECT_EQ(third->workloads[1].name, "svc/batch");
  EXPECT_EQ(fake.drains(), 3);
  EXPECT_EQ(source->status().bpf_problem, "disabled by option");
}

TEST(AccumulateBpf, AddsEachDrainToTheCumulativeEbpfFieldsOnly) {
  WorkloadTelemetry delta;
  delta.sched.run_queue_latency.add(1000, 3);
  delta.sched.run_delay_ns = 3000;
  delta.memory.reclaim_stall_ns = 50;
  delta.memory.user_faults = 7;
  delta.block.read = {.ios = 10, .bytes = 40960, .sequential_ios = 4, .sequential_bytes = 16384};
  delta.block.write = {.ios = 2, .bytes = 8192, .sequential_ios = 2, .sequential_bytes = 8192};
  delta.block.metadata_ios = 1;
  delta.block.latency.add(20000, 12);
  delta.net.rx_bytes = 100;
  delta.net.tx_bytes = 200;
  delta.net.tcp_retransmits = 3;
  delta.net.rx_queue_drops = 1;

  WorkloadSample totals;
  totals.pgfault = 1000;  // from the files: not touched
  accumulate_bpf(delta, totals);
  accumulate_bpf(delta, totals);
  EXPECT_TRUE(totals.has_runq_delay);
  EXPECT_EQ(totals.runq_delay_ns.total(), 6u);
  EXPECT_EQ(totals.runq_delay_total_ns, 6000u);
  EXPECT_EQ(totals.reclaim_stall_ns, 100u);
  EXPECT_EQ(totals.pgfault, 1000u);
  EXPECT_EQ(totals.io.seq_read_ios, 8u);
  EXPECT_EQ(totals.io.rand_read_ios, 12u);
  EXPECT_EQ(totals.io.rand_read_bytes, 2u * 24576);
  EXPECT_EQ(totals.io.seq_write_bytes, 2u * 8192);
  EXPECT_EQ(totals.io.rand_write_ios, 0u);
  EXPECT_EQ(totals.io.metadata_ios, 2u);
  EXPECT_EQ(totals.io_latency_ns.total(), 24u);
  EXPECT_EQ(totals.net_rx_bytes, 200u);
  EXPECT_EQ(totals.net_tx_bytes, 400u);
  EXPECT_EQ(totals.net_retransmits, 6u);
  EXPECT_EQ(totals.net_drops, 2u);
}

}  // namespace
}  // namespace dwae::telemetry
