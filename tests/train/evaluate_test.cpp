// Evaluation: the shipped policy file is scored beside the baselines, the table does not depend
// on --jobs (however many more than the runs), and a thread that cannot be started is an error.
#include "dwae/train/evaluate.h"

#include <gtest/gtest.h>

#include "dwae/train/randomise.h"
#include "train_support.h"

namespace dwae::train {
namespace {

std::string shipped_model() {
  return std::string(DWAE_SOURCE_DIR) + "/models/default.policy";
}

std::vector<sim::Scenario> short_scenarios() {
  return {randomise_scenario(testing::load("noisy-neighbour"), kEvaluationSeedBase,
                             std::chrono::seconds(2))};
}

TEST(Evaluate, TheTableDoesNotDependOnJobs) {
  const auto one = evaluate_policies(short_scenarios(), shipped_model(), 1);
  ASSERT_TRUE(one.ok()) << one.error().message;
  const auto many = evaluate_policies(short_scenarios(), shipped_model(), 64);
  ASSERT_TRUE(many.ok()) << many.error().message;
  ASSERT_EQ(one->size(), 1U);
  ASSERT_EQ(one->front().scores.size(), 4U);
  EXPECT_EQ(one->front().scores.back().policy, "ppo");
  EXPECT_EQ(scores_markdown(*one), scores_markdown(*many));
}

TEST(Evaluate, AThreadThatCannotBeStartedIsAnErrorNotACrash) {
  Result<std::vector<ScenarioScores>> scores = Error{};
  {
    const testing::NoThreadCanStart no_threads;
    scores = evaluate_policies(short_scenarios(), shipped_model(), 4);
  }
  ASSERT_FALSE(scores.ok());
  EXPECT_EQ(scores.error().message.rfind("cannot start thread 2 of 4: ", 0), 0U)
      << scores.error().message;
}

}  // namespace
}  // namespace dwae::train
