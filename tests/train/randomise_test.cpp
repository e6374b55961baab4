// Domain randomisation: deterministic per seed, keeps every latency-sensitive workload, and
// training seeds never meet evaluation seeds or the reference scenarios' own seeds.
#include "dwae/train/randomise.h"

#include <gtest/gtest.h>

#include <set>

#include "train_support.h"

namespace dwae::train {
namespace {

using testing::load;

TEST(Randomise, SameSeedSameScenarioOtherSeedOtherMix) {
  const sim::Scenario base = load("noisy-neighbour");
  const auto a = randomise_scenario(base, 42, std::chrono::seconds(10));
  const auto b = randomise_scenario(base, 42, std::chrono::seconds(10));
  ASSERT_EQ(a.workloads.size(), b.workloads.size());
  for (size_t i = 0; i < a.workloads.size(); ++i) {
    EXPECT_EQ(a.workloads[i].name, b.workloads[i].name);
    EXPECT_EQ(a.workloads[i].arrivals.rate, b.workloads[i].arrivals.rate);
    EXPECT_EQ(a.workloads[i].threads, b.workloads[i].threads);
  }
  EXPECT_EQ(a.seed, 42U);
  EXPECT_EQ(a.name, "noisy-neighbour~42");
  EXPECT_EQ(a.duration, std::chrono::seconds(10));

  // Over many seeds, loads vary and the mix changes, but latency-sensitive workloads stay.
  std::set<double> web_rates;
  std::set<size_t> sizes;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const auto s = randomise_scenario(base, seed, std::chrono::seconds(10));
    bool web = false, api = false;
    for (const auto& w : s.workloads) {
      if (w.name == "web") {
        web = true;
        web_rates.insert(w.arrivals.rate);
        EXPECT_GE(w.arrivals.rate, 2500 * 0.7 * 0.8 - 1e-9);
        EXPECT_LE(w.arrivals.rate, 2500 * 1.3 * 1.2 + 1e-9);
      }
      api = api || w.name == "api";
    }
    EXPECT_TRUE(web && api) << "seed " << seed;
    sizes.insert(s.workloads.size());
  }
  EXPECT_GT(web_rates.size(), 30U);
  EXPECT_GT(sizes.size(), 2U);
}

TEST(Randomise, TrainingSeedsAvoidEvaluationAndReferenceSeeds) {
  const std::vector<uint64_t> reserved = {7, 20261126};
  for (uint64_t e = 0; e < 20000; ++e) {
    const uint64_t s = training_seed(1, e, reserved);
    EXPECT_FALSE(is_evaluation_seed(s));
    EXPECT_NE(s, 7U);
    EXPECT_NE(s, 20261126U);
  }
  EXPECT_TRUE(is_evaluation_seed(kEvaluationSeedBase));
  EXPECT_TRUE(is_evaluation_seed(kEvaluationSeedBase + kEvaluationSeedCount - 1));
  EXPECT_FALSE(is_evaluation_seed(kEvaluationSeedBase + kEvaluationSeedCount));
  EXPECT_EQ(training_seed(3, 5, reserved), training_seed(3, 5, reserved));
  EXPECT_NE(training_seed(3, 5, reserved), training_seed(4, 5, reserved));
}

TEST(Randomise, LoadScenariosNamesTheBadFile) {
  const auto ok = load_scenarios({testing::scenario_path("io-storm")});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 1U);
  const auto bad = load_scenarios({"/nonexistent/x.yaml"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("x.yaml"), std::string::npos);
}

}  // namespace
}  // namespace dwae::train
