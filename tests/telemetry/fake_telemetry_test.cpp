// FakeTelemetry: scripted samples in order, then empty samples naming the given workloads.
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

}  // namespace
}  // namespace dwae::telemetry
