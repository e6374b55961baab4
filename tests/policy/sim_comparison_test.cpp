// DEC-5 in the simulator: on noisy-neighbour and video-cloud-peak, the rule and feedback
// policies beat static weights on the latency-sensitive classes' P99 (same scenario, same seed).
#include <gtest/gtest.h>

#include <string>

#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"

namespace dwae::sim {
namespace {

constexpr Nanos kShort{20'000'000'000};  // 20 simulated seconds: a few bursts, seconds of CPU

Scenario load(const std::string& name) {
  auto load = load_scenario_file(std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml");
  EXPECT_TRUE(load.scenario.has_value()) << name;
  Scenario s = *load.scenario;
  s.duration = kShort;
  return s;
}

Report run(const Scenario& s, const std::string& policy_name) {
  auto policy = make_policy(policy_name, s);
  EXPECT_TRUE(policy.ok()) << policy_name;
  return run_scenario(s, **policy).value();
}

// The worst P99 over the latency-sensitive classes, as a multiple of each class's target.
double worst_ls_p99_vs_target(const Report& r) {
  double worst = 0;
  for (const auto& c : r.classes) {
    if (c.kind != "latency-sensitive" || !c.p99_target_ms) continue;
    worst = std::max(worst, c.p99_ms / *c.p99_target_ms);
  }
  return worst;
}

void expect_beats_static(const std::string& scenario) {
  const Scenario s = load(scenario);
  const Report base = run(s, "static");
  for (const char* name : {"rule", "feedback"}) {
    const Report r = run(s, name);
    for (size_t i = 0; i < r.classes.size(); ++i) {
      if (r.classes[i].kind != "latency-sensitive") continue;
      EXPECT_LT(r.classes[i].p99_ms, base.classes[i].p99_ms)
          << scenario << " " << name << " class " << r.classes[i].name;
    }
    EXPECT_LT(worst_ls_p99_vs_target(r), worst_ls_p99_vs_target(base)) << scenario << " " << name;
  }
}

TEST(SimComparison, NoisyNeighbourRuleAndFeedbackBeatStatic) {
  expect_beats_static("noisy-neighbour");
}

TEST(SimComparison, VideoCloudPeakRuleAndFeedbackBeatStatic) {
  expect_beats_static("video-cloud-peak");
}

TEST(SimComparison, AdaptivePoliciesAreDeterministic) {
  Scenario s = load("noisy-neighbour");
  s.duration = Nanos{5'000'000'000};
  for (const char* name : {"rule", "feedback"}) {
    EXPECT_EQ(run(s, name).to_json(), run(s, name).to_json()) << name;
  }
}

TEST(SimComparison, UnknownPolicyNamesTheAvailableOnes) {
  const auto p = make_policy("oracle", load("noisy-neighbour"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("static, rule, feedback, ppo"), std::string::npos);
}

}  // namespace
}  // namespace dwae::sim
