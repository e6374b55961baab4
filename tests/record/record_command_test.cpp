// `dwae record` through run_record: recording a simulator scenario, and bad options.
#include "dwae/cli/record_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

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

// A config that names no workload: enough for the option checks, which come before it is read.
constexpr const char* kConfig = "agent:\n  period: 200ms\n";

// Runs run_record and returns its exit code and what it wrote to stderr.
std::pair<int, std::string> record_with_stderr(const RecordOptions& o) {
  testing::internal::CaptureStderr();
  const int code = run_record(o);
  return {code, testing::internal::GetCapturedStderr()};
}

TEST(RecordCommand, AnOutputThatIsAnInputIsRefusedBeforeAnythingIsWritten) {
  dwae::test::TempDir dir;
  const std::string text = dwae::test::read_text(scenario("trading-low-latency"));
  dir.write("scenario.yaml", text);
  dir.mkdir("sub");
  ASSERT_EQ(::link((dir.path() + "/scenario.yaml").c_str(), (dir.path() + "/hard.yaml").c_str()),
            0);
  ASSERT_EQ(::symlink("scenario.yaml", (dir.path() + "/soft.yaml").c_str()), 0);
  RecordOptions o;
  o.scenario_path = dir.path() + "/scenario.yaml";
  o.duration = "1s";
  // The same path, another way to the same path, a hard link, a symbolic link.
  for (const std::string out :
       {"/scenario.yaml", "/sub/../scenario.yaml", "/hard.yaml", "/soft.yaml"}) {
    o.out_path = dir.path() + out;
    const auto [code, err] = record_with_stderr(o);
    EXPECT_EQ(code, kExitBadInput) << out;
    EXPECT_NE(err.find("is the same file as --scenario"), std::string::npos) << err;
    EXPECT_EQ(dwae::test::read_text(o.scenario_path), text) << out;
  }

  // On a host: the config, and the two outputs with each other (neither exists yet; one
  // through a symbolic link to the other).
  dir.write("dwae.yaml", kConfig);
  RecordOptions host;
  host.config_path = dir.path() + "/dwae.yaml";
  host.duration = "1s";
  host.out_path = host.config_path;
  auto [code, err] = record_with_stderr(host);
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find("--out " + host.config_path + " is the same file as --config"),
            std::string::npos)
      << err;
  EXPECT_EQ(dwae::test::read_text(host.config_path), kConfig);

  host.out_path = dir.path() + "/samples.arrow";
  host.raw_events_path = host.config_path;
  std::tie(code, err) = record_with_stderr(host);
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find("--raw-events " + host.config_path + " is the same file as --config"),
            std::string::npos)
      << err;
  EXPECT_EQ(dwae::test::read_text(host.config_path), kConfig);

  ASSERT_EQ(::symlink("events.arrow", (dir.path() + "/link.arrow").c_str()), 0);
  for (const auto& [out, raw] :
       std::vector<std::pair<std::string, std::string>>{{"/events.arrow", "/events.arrow"},
                                                        {"/events.arrow", "/sub/../events.arrow"},
                                                        {"/link.arrow", "/events.arrow"}}) {
    host.out_path = dir.path() + out;
    host.raw_events_path = dir.path() + raw;
    std::tie(code, err) = record_with_stderr(host);
    EXPECT_EQ(code, kExitBadInput) << out << " " << raw;
    EXPECT_NE(err.find("is the same file as --raw-events"), std::string::npos) << err;
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/events.arrow"));
  }
}

// --period is held to the bounds of the file setting it overrides: a scenario's control_period
// (at least 1 ms and the quantum), a config's agent.period (50 ms .. 10 s).
TEST(RecordCommand, APeriodOutsideTheFileBoundsIsRefused) {
  dwae::test::TempDir dir;
  RecordOptions o;
  o.scenario_path = scenario("trading-low-latency");  // quantum 2ms
  o.duration = "1us";  // a few ticks even at 1ns, should the period get through
  o.out_path = dir.path() + "/sim.arrow";
  for (const std::string period : {"1ns", "999us", "1500us"}) {
    o.period = period;
    const auto [code, err] = record_with_stderr(o);
    EXPECT_EQ(code, kExitBadInput) << period;
    EXPECT_NE(err.find("--period " + period + ": must be at least 2ms"), std::string::npos) << err;
    EXPECT_FALSE(std::filesystem::exists(o.out_path)) << period;
  }
  o.period = "2ms";
  o.duration = "10ms";
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_record(o), kExitOk);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("6 ticks"), std::string::npos);

  dir.write("dwae.yaml", kConfig);
  RecordOptions host;
  host.config_path = dir.path() + "/dwae.yaml";
  host.duration = "100ms";  // few ticks, should the period get through
  host.out_path = dir.path() + "/host.arrow";
  for (const std::string period : {"1ms", "49ms", "10001ms", "1h"}) {
    host.period = period;
    const auto [code, err] = record_with_stderr(host);
    EXPECT_EQ(code, kExitBadInput) << period;
    EXPECT_NE(err.find("--period " + period + ": must be between 50ms and 10s (as agent.period)"),
              std::string::npos)
        << err;
    EXPECT_FALSE(std::filesystem::exists(host.out_path)) << period;
  }
}

// The exit codes of docs/operating.md: a missing or bad --config is bad input (2), like every
// other command's; so are options that contradict each other, refused before any file exists.
TEST(RecordCommand, ConfigProblemsAndContradictoryOptionsAreBadInput) {
  dwae::test::TempDir dir;
  RecordOptions host;
  host.duration = "1s";
  host.out_path = dir.path() + "/host.arrow";
  auto [code, err] = record_with_stderr(host);  // no --config
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find("--config FILE is needed"), std::string::npos) << err;

  dir.write("bad.yaml", "agent:\n  period: 200\n");
  host.config_path = dir.path() + "/bad.yaml";
  std::tie(code, err) = record_with_stderr(host);
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find("bad config\n" + host.config_path + ":2:"), std::string::npos) << err;

  host.config_path = dir.path() + "/missing.yaml";
  std::tie(code, err) = record_with_stderr(host);
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find(host.config_path), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(host.out_path));

  // --config and --scenario: which host is meant is not for us to guess.
  dir.write("dwae.yaml", kConfig);
  RecordOptions both;
  both.config_path = dir.path() + "/dwae.yaml";
  both.scenario_path = scenario("trading-low-latency");
  both.duration = "1s";
  both.out_path = dir.path() + "/both.arrow";
  std::tie(code, err) = record_with_stderr(both);
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find("--config (record this host) and --scenario (record the simulator) exclude "
                     "each other"),
            std::string::npos)
      << err;
  EXPECT_FALSE(std::filesystem::exists(both.out_path));

  // A policy steers a simulated host; this host is only watched.
  host.config_path = dir.path() + "/dwae.yaml";
  host.policy = "feedback";
  std::tie(code, err) = record_with_stderr(host);
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find("--policy feedback steers a simulated scenario"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(host.out_path));
}

}  // namespace
}  // namespace dwae::cli
