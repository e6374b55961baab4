// `dwae sim --policy ppo --model FILE`: the simulator runs the network of the given file (a tiny
// hand-built one here); a missing or broken file, or --model without ppo, is bad input.
#include <gtest/gtest.h>

#include <string>

#include "dwae/cli/sim_command.h"
#include "policy/tiny_policy.h"
#include "support/temp_dir.h"

namespace dwae::cli {
namespace {

std::string scenario(const std::string& name) {
  return std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

SimOptions ppo_options(const std::string& model) {
  SimOptions o;
  o.scenario_path = scenario("noisy-neighbour");
  o.policy = "ppo";
  o.model = model;
  o.duration = "2s";
  o.json = true;
  return o;
}

TEST(SimModelOption, PpoRunsTheGivenPolicyFile) {
  test::TempDir dir;
  const std::string path = dir.path() + "/tiny.policy";
  ASSERT_TRUE(policy::save_policy_file(path, policy::tiny::tiny_policy()).ok());
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_sim(ppo_options(path)), 0);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("\"policy\": \"ppo\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"simulated_seconds\": 2.0"), std::string::npos) << out;
}

TEST(SimModelOption, TheCheckedInTinyFileRuns) {
  // Written by tests/policy/data/make_tiny_policy.py, independently of the C++ writer.
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_sim(ppo_options(std::string(DWAE_SOURCE_DIR) + "/tests/policy/data/tiny.policy")),
            0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("\"policy\": \"ppo\""), std::string::npos);
}

TEST(SimModelOption, MissingOrTruncatedFileIsBadInputNamingTheFile) {
  test::TempDir dir;
  const std::string bytes = policy::encode_policy_file(policy::tiny::tiny_policy()).value();
  dir.write("truncated.policy", bytes.substr(0, bytes.size() - 3));
  for (const std::string name : {"missing.policy", "truncated.policy"}) {
    const std::string path = dir.path() + "/" + name;
    testing::internal::CaptureStderr();
    EXPECT_EQ(run_sim(ppo_options(path)), 2) << name;
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("needs a trained policy file at " + path), std::string::npos) << err;
  }
}

TEST(SimModelOption, ModelWithoutPpoIsBadInput) {
  SimOptions o = ppo_options("/some/file.policy");
  o.policy = "rule";
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_sim(o), 2);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("--model applies to --policy ppo only"),
            std::string::npos);
}

}  // namespace
}  // namespace dwae::cli
