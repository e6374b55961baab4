// `dwae record` through run_record: recording a simulator scenario, and bad options.
#include "dwae/cli/record_command.h"

#include <gtest/gtest.h>

#include "dwae/cli/commands.h"
#include "dwae/record/recording.h"
#include "support/temp_dir.h"

namespace dwae::cli {
namespace {

std::string scenario(const std::string& name) {
  return std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

TEST(RecordCommand, RecordsASimulatorScenario) {
  dwae::test::TempDir dir;
  RecordOptions o;
  o.scenario_path = scenario("trading-low-latency");
  o.duration = "2s";
  o.period = "500ms";
  o.policy = "feedback";
  o.out_path = dir.path() + "/sim.arrow";
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_record(o), kExitOk);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("5 ticks"), std::string::npos) << out;

  auto reader = record::RecordingReader::open(o.out_path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->source(), "sim:trading-low-latency");
  auto ticks = record::read_recording(o.out_path);
  ASSERT_TRUE(ticks.ok()) << ticks.error().message;
  ASSERT_EQ(ticks->size(), 5U);  // 0, 0.5, 1, 1.5, 2 s
  EXPECT_EQ(ticks->back().sample.at, Nanos{2'000'000'000});
  ASSERT_FALSE(ticks->back().workloads.empty());
  for (const auto& w : ticks->back().workloads) EXPECT_FALSE(w.class_name.empty()) << w.name;
  EXPECT_GT(ticks->back().sample.workloads[0].cpu_usage_ns, 0U);
}

TEST(RecordCommand, BadOptionsAreBadInput) {
  dwae::test::TempDir dir;
  RecordOptions o;
  o.out_path = dir.path() + "/x.arrow";
  o.scenario_path = scenario("trading-low-latency");
  o.duration = "soon";
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_record(o), kExitBadInput);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("--duration"), std::string::npos);

  o.duration = "1s";
  o.policy = "clairvoyant";
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_record(o), kExitBadInput);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("--policy"), std::string::npos);

  RecordOptions host;  // a real host needs --duration
  host.out_path = dir.path() + "/host.arrow";
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_record(host), kExitBadInput);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("--duration is required"),
            std::string::npos);
}

TEST(RecordCommand, UnwritableOutputFails) {
  RecordOptions o;
  o.scenario_path = scenario("trading-low-latency");
  o.duration = "1s";
  o.out_path = "/nonexistent-dir/x.arrow";
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_record(o), kExitFailure);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("cannot create recording"),
            std::string::npos);
}

}  // namespace
}  // namespace dwae::cli
