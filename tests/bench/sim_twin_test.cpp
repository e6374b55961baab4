#include "dwae/bench/sim_twin.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace dwae::bench {
namespace {

using std::chrono::seconds;

SimTwinOptions source_twins() {
  SimTwinOptions o;
  o.scenarios_dir = std::string(DWAE_SOURCE_DIR) + "/scenarios/bench";
  o.model_path = std::string(DWAE_SOURCE_DIR) + "/models/default.policy";
  o.duration = seconds(3);
  return o;
}

TEST(SimTwin, EveryBenchScenarioHasATwinThatLoads) {
  for (const char* name :
       {"steady-1to4", "steady-1to8", "bursty", "two-sla", "memory-pressure", "io-contention"}) {
    auto twin = load_sim_twin(source_twins(), name);
    ASSERT_TRUE(twin.ok()) << name << ": " << twin.error().message;
    EXPECT_EQ(twin->name, name);
    EXPECT_EQ(twin->host.cores, 2u) << name;
    EXPECT_EQ(twin->duration, seconds(3));
    bool latency_sensitive = false, best_effort = false;
    for (const auto& c : twin->classes) {
      latency_sensitive |= c.kind == WorkloadClassKind::kLatencySensitive;
      best_effort |= c.kind == WorkloadClassKind::kBestEffort;
    }
    EXPECT_TRUE(latency_sensitive && best_effort) << name;
  }
}

TEST(SimTwin, MissingTwinIsAnError) {
  auto twin = load_sim_twin(source_twins(), "no-such-scenario");
  ASSERT_FALSE(twin.ok());
  EXPECT_NE(twin.error().message.find("no-such-scenario.yaml"), std::string::npos);
  const SimTwinResult r = run_sim_twin("no-such-scenario", {Controller::none}, source_twins());
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(r.controllers.empty());
  EXPECT_EQ(compare_sim_real(ScenarioSummary{"no-such-scenario", {}, {}}, r).verdict,
            "not comparable");
}

TEST(SimTwin, VariantsForAloneAndStaticBest) {
  auto twin = load_sim_twin(source_twins(), "two-sla");
  ASSERT_TRUE(twin.ok());
  const sim::Scenario alone = alone_variant(*twin);
  ASSERT_EQ(alone.workloads.size(), 2u);
  EXPECT_EQ(alone.workloads[0].name, "redis");
  EXPECT_EQ(alone.workloads[1].name, "nginx");
  EXPECT_EQ(alone.classes.size(), 2u);
  const sim::Scenario best = static_best_variant(*twin);
  for (const auto& w : best.workloads) {
    if (w.name == "hogs") {
      EXPECT_EQ(w.settings.cpu_weight, 1u);
      EXPECT_EQ(w.settings.cpu_idle, true);
      EXPECT_EQ(w.settings.io_weight, 1u);
    } else {
      EXPECT_EQ(w.settings.cpu_weight, 100u) << w.name;
      EXPECT_FALSE(w.settings.cpu_idle.has_value()) << w.name;
    }
  }
}

TEST(SimTwin, RunsUnderTheMatchingPolicies) {
  const SimTwinResult r =
      run_sim_twin("steady-1to4", {Controller::none, Controller::static_best, Controller::feedback},
                   source_twins());
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.controllers.size(), 3u);
  for (const auto& c : r.controllers) {
    EXPECT_TRUE(c.error.empty()) << to_string(c.controller) << ": " << c.error;
    ASSERT_EQ(c.services.size(), 1u);
    EXPECT_EQ(c.services[0], "redis");
    EXPECT_TRUE(std::isfinite(c.worst_p99_ratio)) << to_string(c.controller);
  }
  const auto* none = r.find(Controller::none);
  const auto* best = r.find(Controller::static_best);
  EXPECT_DOUBLE_EQ(none->work_conservation, 1.0);
  // CPU hogs at equal weight stretch redis' tail; at cpu.idle they do not.
  EXPECT_GT(none->worst_p99_ratio, 2.0);
  EXPECT_LT(best->worst_p99_ratio, none->worst_p99_ratio);
}

TEST(SimTwin, PpoWithoutAModelIsReportedPerController) {
  SimTwinOptions o = source_twins();
  o.model_path = "/nonexistent/model.policy";
  const SimTwinResult r = run_sim_twin("steady-1to4", {Controller::ppo}, o);
  ASSERT_EQ(r.controllers.size(), 1u);
  EXPECT_FALSE(r.controllers[0].error.empty());
  ScenarioSummary real;
  real.scenario = "steady-1to4";
  ControllerSummary ppo;
  ppo.controller = Controller::ppo;
  ppo.repetitions = 1;
  ppo.worst_p99_ratio = spread_of({1.3});
  real.controllers = {ppo};
  const ScenarioAgreement a = compare_sim_real(real, r);
  ASSERT_EQ(a.controllers.size(), 1u);
  EXPECT_EQ(a.controllers[0].sim_error, r.controllers[0].error);
  EXPECT_EQ(a.verdict, "not comparable");
}

TEST(SimTwin, TrendsAgainstNone) {
  EXPECT_EQ(trend_vs_none(1.0, 4.0), Trend::lower);
  EXPECT_EQ(trend_vs_none(4.2, 4.0), Trend::flat);
  EXPECT_EQ(trend_vs_none(5.0, 4.0), Trend::higher);
  EXPECT_EQ(trend_vs_none(std::nan(""), 4.0), Trend::unknown);
}

ControllerSummary real_controller(Controller c, double worst_ratio) {
  ControllerSummary s;
  s.controller = c;
  s.repetitions = 1;
  s.worst_p99_ratio = spread_of({worst_ratio});
  return s;
}

SimControllerResult sim_controller(Controller c, double worst_ratio) {
  SimControllerResult s;
  s.controller = c;
  s.worst_p99_ratio = worst_ratio;
  s.work_conservation = 0.9;
  return s;
}

TEST(SimTwin, AgreementOnDirectionAndRanking) {
  ScenarioSummary real;
  real.scenario = "steady-1to4";
  real.controllers = {real_controller(Controller::none, 10),
                      real_controller(Controller::static_best, 1.1),
                      real_controller(Controller::feedback, 1.5)};
  SimTwinResult sim;
  sim.scenario = "steady-1to4";
  sim.controllers = {sim_controller(Controller::none, 8),
                     sim_controller(Controller::static_best, 1.0),
                     sim_controller(Controller::feedback, 2.0)};
  ScenarioAgreement a = compare_sim_real(real, sim);
  EXPECT_EQ(a.verdict, "agree");
  EXPECT_EQ(a.judged, 2);
  EXPECT_DOUBLE_EQ(a.rank_tau, 1.0);
  ASSERT_EQ(a.controllers.size(), 3u);
  EXPECT_EQ(a.controllers[2].real_trend, Trend::lower);
  EXPECT_DOUBLE_EQ(a.controllers[2].sim_work_conservation, 0.9);

  // The simulator sees feedback make things worse: the directions part.
  sim.controllers[2].worst_p99_ratio = 12;
  a = compare_sim_real(real, sim);
  EXPECT_EQ(a.verdict, "partly");
  EXPECT_EQ(a.agreeing, 1);
  EXPECT_FALSE(a.controllers[2].agree);
  EXPECT_NEAR(a.rank_tau, 1.0 / 3.0, 1e-12);

  sim.controllers[1].worst_p99_ratio = 9;  // 12.5 % above none, where the real one is lower
  a = compare_sim_real(real, sim);
  EXPECT_EQ(a.verdict, "disagree");
}

}  // namespace
}  // namespace dwae::bench
