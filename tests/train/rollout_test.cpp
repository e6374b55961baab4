// Rollouts: trajectories are complete (one reward per step, a bootstrap at the end), a
// network that outputs 0 changes nothing after the first tick, results depend only on the
// seeds, not on how many hosts run in parallel, and a thread that cannot be started is an error.
#include "dwae/train/rollout.h"

#include <gtest/gtest.h>

#include "dwae/train/random.h"
#include "dwae/train/randomise.h"
#include "train_support.h"

namespace dwae::train {
namespace {

// 32 -> 8 -> 3 with weights drawn from `seed` (0: all zero, so every output is 0).
policy::PolicyModel small_model(uint64_t seed) {
  policy::PolicyModel m;
  m.name = "test";
  m.layer_sizes = {32, 8, 3};
  m.activations = {policy::Activation::kTanh, policy::Activation::kTanh};
  m.mean.fill(0.0F);
  m.std.fill(1.0F);
  m.train_min.fill(-1.0F);
  m.train_max.fill(1.0F);
  m.actions = {{policy::ActionResource::kCpuWeight, 0.25},
               {policy::ActionResource::kIoWeight, 0.25},
               {policy::ActionResource::kMemoryLow, 0.25}};
  TrainRng rng(seed);
  m.weights.resize(32 * 8 + 8 + 8 * 3 + 3);
  for (float& w : m.weights) w = seed == 0 ? 0.0F : static_cast<float>(rng.normal());
  return m;
}

// run_episodes, which fails only when a thread cannot be started.
std::vector<EpisodeResult> run(const std::vector<sim::Scenario>& s,
                               const std::vector<uint64_t>& noise_seeds, const Actor& actor,
                               unsigned jobs) {
  auto results = run_episodes(s, noise_seeds, actor, RewardWeights{}, jobs);
  EXPECT_TRUE(results.ok()) << results.error().message;
  return results.ok() ? std::move(*results) : std::vector<EpisodeResult>(s.size());
}

std::vector<sim::Scenario> scenarios(size_t n) {
  const sim::Scenario base = testing::load("noisy-neighbour");
  std::vector<sim::Scenario> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(randomise_scenario(base, 100 + i, std::chrono::seconds(4)));
  }
  return out;
}

TEST(Rollout, TrajectoriesHaveARewardPerStepAndABootstrap) {
  const Actor actor(small_model(3), {-1.0F, -1.0F, -1.0F});
  const auto results = run(scenarios(1), {9}, actor, 1);
  ASSERT_EQ(results.size(), 1U);
  const EpisodeResult& r = results[0];
  EXPECT_EQ(r.ticks, 20U);  // 4 s at 200 ms
  EXPECT_DOUBLE_EQ(r.simulated_seconds, 4.0);
  EXPECT_GT(r.sim_steps, 0U);
  ASSERT_FALSE(r.trajectories.empty());
  for (const auto& t : r.trajectories) {
    EXPECT_EQ(t.steps(), 19U) << t.workload;  // no features on the first tick
    EXPECT_EQ(t.reward.size(), t.steps());
    EXPECT_EQ(t.obs.size(), t.steps() * kFeatures);
    EXPECT_EQ(t.act.size(), t.steps() * 3);
    EXPECT_EQ(t.bootstrap.size(), kFeatures);
    for (const float lp : t.log_prob) EXPECT_TRUE(std::isfinite(lp));
  }
  EXPECT_EQ(r.stats.count, static_cast<double>(19 * r.trajectories.size()));
}

TEST(Rollout, AZeroNetworkChangesNothing) {
  const Actor actor(small_model(0), {}, true);
  const auto results = run(scenarios(1), {1}, actor, 1);
  EXPECT_EQ(results[0].terms.changes, 0.0);
  EXPECT_EQ(results[0].terms.change_size, 0.0);
  for (const auto& t : results[0].trajectories) {
    for (const float a : t.act) EXPECT_EQ(a, 0.0F);
    for (const float lp : t.log_prob) EXPECT_EQ(lp, 0.0F);
  }
}

TEST(Rollout, ResultsDependOnSeedsNotOnParallelism) {
  const Actor actor(small_model(5), {-0.5F, -0.5F, -0.5F});
  const auto s = scenarios(3);
  const auto one = run(s, {1, 2, 3}, actor, 1);
  const auto two = run(s, {1, 2, 3}, actor, 2);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].reward, two[i].reward);
    ASSERT_EQ(one[i].trajectories.size(), two[i].trajectories.size());
    for (size_t k = 0; k < one[i].trajectories.size(); ++k) {
      EXPECT_EQ(one[i].trajectories[k].act, two[i].trajectories[k].act);
      EXPECT_EQ(one[i].trajectories[k].obs, two[i].trajectories[k].obs);
    }
  }
  const auto other = run(s, {4, 2, 3}, actor, 1);
  EXPECT_NE(one[0].trajectories[0].act, other[0].trajectories[0].act);
}

TEST(Rollout, AThreadThatCannotBeStartedIsAnErrorNotACrash) {
  const Actor actor(small_model(5), {-0.5F, -0.5F, -0.5F});
  const auto s = scenarios(3);
  Result<std::vector<EpisodeResult>> results = Error{};
  {
    const testing::NoThreadCanStart no_threads;
    results = run_episodes(s, {1, 2, 3}, actor, RewardWeights{}, 3);
  }
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.error().message.rfind("cannot start thread 2 of 3: ", 0), 0U)
      << results.error().message;
  // One host per thread at most, so 1 job needs none.
  EXPECT_EQ(run(s, {1, 2, 3}, actor, 1).size(), 3U);
}

TEST(FeatureStats, MergeEqualsOnePass) {
  FeatureStats all, a, b;
  TrainRng rng(7);
  for (int i = 0; i < 50; ++i) {
    features::FeatureVector f{};
    for (auto& x : f) x = rng.uniform();
    all.add(f);
    (i < 20 ? a : b).add(f);
  }
  a.merge(b);
  for (size_t j = 0; j < kFeatures; ++j) {
    EXPECT_NEAR(a.mean[j], all.mean[j], 1e-12);
    EXPECT_NEAR(a.std_dev(j), all.std_dev(j), 1e-12);
    EXPECT_EQ(a.min[j], all.min[j]);
    EXPECT_EQ(a.max[j], all.max[j]);
  }
}

}  // namespace
}  // namespace dwae::train
