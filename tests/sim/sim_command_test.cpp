// `dwae sim` end to end through run_sim: exit codes and output.
#include "dwae/cli/sim_command.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace dwae::cli {
namespace {

std::string scenario(const std::string& name) {
  return std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

TEST(SimCommand, RunsAScenarioAsJson) {
  SimOptions o;
  o.scenario_path = scenario("trading-low-latency");
  o.duration = "2s";
  o.seed = 5;
  o.json = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_sim(o), 0);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("\"scenario\": \"trading-low-latency\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"seed\": 5"), std::string::npos);
  EXPECT_NE(out.find("\"simulated_seconds\": 2.0"), std::string::npos);
}

TEST(SimCommand, BadScenarioIsBadInputWithPosition) {
  test::TempDir dir;
  dir.write("bad.yaml", "name: x\nhost: {cores: four}\nclasses: []\nworkloads: []\n");
  SimOptions o;
  o.scenario_path = dir.path() + "/bad.yaml";
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_sim(o), 2);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find(dir.path() + "/bad.yaml:2:15: cores must be a whole number"),
            std::string::npos)
      << err;
}

TEST(SimCommand, UnknownPolicyAndBadDurationAreBadInput) {
  SimOptions o;
  o.scenario_path = scenario("noisy-neighbour");
  o.policy = "magic";
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_sim(o), 2);
  o.policy = "static";
  o.duration = "ten";
  EXPECT_EQ(run_sim(o), 2);
  testing::internal::GetCapturedStderr();
}

}  // namespace
}  // namespace dwae::cli
