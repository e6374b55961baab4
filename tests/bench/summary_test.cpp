#include "dwae/bench/summary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace dwae::bench {
namespace {

ServiceRun redis(double p99_s) {
  ServiceRun s;
  s.name = "redis";
  s.p50_s = p99_s / 2;
  s.p99_s = p99_s;
  s.p999_s = p99_s * 2;
  return s;
}

Run run(Controller c, int rep, double p99_s, double work) {
  Run r;
  r.scenario = "steady-1to4";
  r.controller = c;
  r.repetition = rep;
  r.services = {redis(p99_s)};
  r.best_effort = {{"hogs", work, "bogo-ops/s"}};
  return r;
}

// Alone P99 1 ms; none 4 and 6 ms with 100 and 120 ops/s of best-effort work (reference 110).
BenchResults results_with(std::vector<Run> others) {
  BenchResults r;
  r.scenarios = {"steady-1to4"};
  r.controllers = {Controller::none, Controller::static_best, Controller::feedback};
  r.repetitions = 2;
  r.alone = {{"steady-1to4", {redis(0.001)}}};
  r.runs = {run(Controller::none, 0, 0.004, 100), run(Controller::none, 1, 0.006, 120)};
  for (auto& o : others) r.runs.push_back(std::move(o));
  return r;
}

TEST(Spread, MeanExtremesAndSampleStddev) {
  const Spread s = spread_of({1, 2, 3, 6});
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 6);
  EXPECT_NEAR(s.stddev, std::sqrt(14.0 / 3.0), 1e-12);
  EXPECT_DOUBLE_EQ(spread_of({5}).stddev, 0);
  EXPECT_TRUE(spread_of({}).empty());
}

TEST(Summary, LatencyRatiosToAloneWithSpread) {
  const Summary s = summarise(results_with({}));
  ASSERT_EQ(s.scenarios.size(), 1u);
  const ControllerSummary* none = s.scenarios[0].find(Controller::none);
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->repetitions, 2);
  ASSERT_EQ(none->services.size(), 1u);
  const ServiceSummary& redis_summary = none->services[0];
  EXPECT_DOUBLE_EQ(redis_summary.alone_p99_s, 0.001);
  EXPECT_DOUBLE_EQ(redis_summary.p99_ratio.mean, 5);
  EXPECT_DOUBLE_EQ(redis_summary.p99_ratio.min, 4);
  EXPECT_DOUBLE_EQ(redis_summary.p99_ratio.max, 6);
  EXPECT_NEAR(redis_summary.p99_ratio.stddev, std::sqrt(2.0), 1e-12);
  EXPECT_DOUBLE_EQ(redis_summary.p50_ratio.mean, 5);
  EXPECT_DOUBLE_EQ(redis_summary.p999_ratio.mean, 5);
  EXPECT_DOUBLE_EQ(none->worst_p99_ratio.mean, 5);
}

TEST(Summary, WorkConservationAgainstTheMeanOfNone) {
  const Summary s = summarise(results_with(
      {run(Controller::feedback, 0, 0.0011, 88), run(Controller::feedback, 1, 0.0011, 99)}));
  const ControllerSummary* none = s.scenarios[0].find(Controller::none);
  EXPECT_NEAR(none->work_conservation.mean, 1.0, 1e-12);
  EXPECT_NEAR(none->work_conservation.min, 100.0 / 110, 1e-12);
  const ControllerSummary* fb = s.scenarios[0].find(Controller::feedback);
  ASSERT_NE(fb, nullptr);
  EXPECT_NEAR(fb->work_conservation.mean, 0.85, 1e-12);
  EXPECT_NEAR(fb->work_conservation.min, 0.8, 1e-12);
  EXPECT_NEAR(fb->work_conservation.max, 0.9, 1e-12);
  ASSERT_EQ(fb->best_effort.size(), 1u);
  EXPECT_EQ(fb->best_effort[0].unit, "bogo-ops/s");
  EXPECT_DOUBLE_EQ(fb->best_effort[0].work_per_s.mean, 93.5);
}

TEST(Summary, IsolationScoreIsTheGeometricMeanOfLatencyAndWork) {
  const Summary s = summarise(results_with(
      {run(Controller::feedback, 0, 0.0011, 99), run(Controller::feedback, 1, 0.0011, 99)}));
  const ControllerSummary* fb = s.scenarios[0].find(Controller::feedback);
  EXPECT_NEAR(fb->isolation_score.mean, std::sqrt((1 / 1.1) * 0.9), 1e-12);
  EXPECT_NEAR(fb->isolation_score.stddev, 0, 1e-12);
  // Faster than alone and more work than none cap at 1 each.
  const Summary best = summarise(results_with({run(Controller::feedback, 0, 0.0005, 500)}));
  EXPECT_DOUBLE_EQ(best.scenarios[0].find(Controller::feedback)->isolation_score.mean, 1);
  // none: L = 1/4 and 1/6, W = min(1, 100/110) and 1.
  const ControllerSummary* none = s.scenarios[0].find(Controller::none);
  const double expected = (std::sqrt(0.25 * 100.0 / 110) + std::sqrt(1.0 / 6.0 * 1.0)) / 2;
  EXPECT_NEAR(none->isolation_score.mean, expected, 1e-12);
}

TEST(Summary, AServiceThatDidNotAnswerScoresZero) {
  const Summary s = summarise(results_with({run(Controller::feedback, 0, std::nan(""), 110)}));
  const ControllerSummary* fb = s.scenarios[0].find(Controller::feedback);
  EXPECT_TRUE(std::isinf(fb->services[0].p99_ratio.mean));
  EXPECT_DOUBLE_EQ(fb->isolation_score.mean, 0);
  EXPECT_FALSE(fb->goal.met);
  EXPECT_NE(fb->goal.why.find("no answer"), std::string::npos) << fb->goal.why;
}

TEST(Summary, GoalVerdicts) {
  // Met in every repetition: P99 1.1x and 1.15x, work 90 % and 85 %.
  auto s = summarise(results_with(
      {run(Controller::feedback, 0, 0.0011, 99), run(Controller::feedback, 1, 0.00115, 93.5)}));
  const GoalVerdict& met = s.scenarios[0].find(Controller::feedback)->goal;
  EXPECT_TRUE(met.known);
  EXPECT_TRUE(met.met);
  EXPECT_TRUE(met.met_every_repetition);

  // Met on the mean (1.15x) but one repetition at 1.25x.
  s = summarise(results_with(
      {run(Controller::feedback, 0, 0.00105, 99), run(Controller::feedback, 1, 0.00125, 99)}));
  const GoalVerdict& mean_only = s.scenarios[0].find(Controller::feedback)->goal;
  EXPECT_TRUE(mean_only.met);
  EXPECT_FALSE(mean_only.met_every_repetition);

  // Latency missed.
  s = summarise(results_with({run(Controller::feedback, 0, 0.0013, 99)}));
  const GoalVerdict& slow = s.scenarios[0].find(Controller::feedback)->goal;
  EXPECT_FALSE(slow.met);
  EXPECT_NE(slow.why.find("redis P99 1.30x"), std::string::npos) << slow.why;

  // Work conservation missed: 77 ops/s of 110 = 70 %.
  s = summarise(results_with({run(Controller::feedback, 0, 0.001, 77)}));
  const GoalVerdict& starved = s.scenarios[0].find(Controller::feedback)->goal;
  EXPECT_FALSE(starved.met);
  EXPECT_NE(starved.why.find("work conservation 70 %"), std::string::npos) << starved.why;

  // static-best did not run: no verdict.
  const GoalVerdict& absent = s.scenarios[0].find(Controller::static_best)->goal;
  EXPECT_FALSE(absent.known);
  EXPECT_EQ(absent.why, "not run");
}

TEST(Summary, MissingReferencesAreReportedNotGuessed) {
  BenchResults r = results_with({run(Controller::feedback, 0, 0.0011, 99)});
  r.alone.clear();
  r.runs.erase(r.runs.begin(), r.runs.begin() + 2);  // no none runs
  const Summary s = summarise(r);
  ASSERT_EQ(s.scenarios[0].problems.size(), 2u);
  EXPECT_EQ(s.scenarios[0].problems[0], "no alone measurement for redis");
  EXPECT_EQ(s.scenarios[0].problems[1], "no throughput of hogs under none");
  const ControllerSummary* fb = s.scenarios[0].find(Controller::feedback);
  EXPECT_TRUE(fb->services[0].p99_ratio.empty());
  EXPECT_TRUE(fb->work_conservation.empty());
  EXPECT_FALSE(fb->goal.known);
}

// A score is sqrt(L x W): without the alone value L is unknown, without the `none` throughput W
// is; either way the run has no score rather than the other half of one.
TEST(Summary, AMissingReferenceLeavesNoScore) {
  BenchResults r = results_with({run(Controller::feedback, 0, 0.0011, 99)});
  r.alone.clear();
  Summary s = summarise(r);
  EXPECT_TRUE(s.scenarios[0].find(Controller::feedback)->isolation_score.empty());
  EXPECT_TRUE(s.scenarios[0].find(Controller::none)->isolation_score.empty());
  EXPECT_EQ(compare_scores(s.scenarios[0].find(Controller::feedback)->isolation_score,
                           s.scenarios[0].find(Controller::none)->isolation_score),
            Comparison::unknown);

  r = results_with({run(Controller::feedback, 0, 0.0011, 99)});
  for (auto& run : r.runs) {
    if (run.controller == Controller::none) run.best_effort[0].work_per_s = std::nan("");
  }
  s = summarise(r);
  EXPECT_TRUE(s.scenarios[0].find(Controller::feedback)->isolation_score.empty());
  EXPECT_TRUE(s.scenarios[0].find(Controller::none)->isolation_score.empty());
}

TEST(Summary, NoInterferenceUnderNoneIsAProblem) {
  BenchResults r = results_with({run(Controller::feedback, 0, 0.0011, 99)});
  EXPECT_TRUE(summarise(r).scenarios[0].problems.empty());
  r.runs[0].services[0].p99_s = 0.0011;
  r.runs[1].services[0].p99_s = 0.0012;
  const Summary s = summarise(r);
  ASSERT_EQ(s.scenarios[0].problems.size(), 1u);
  EXPECT_NE(s.scenarios[0].problems[0].find("no interference"), std::string::npos);
}

TEST(Summary, ScoresCompareOutsideTheirSpread) {
  EXPECT_EQ(compare_scores(spread_of({0.9, 0.92}), spread_of({0.5, 0.52})), Comparison::better);
  EXPECT_EQ(compare_scores(spread_of({0.5, 0.52}), spread_of({0.9, 0.92})), Comparison::worse);
  EXPECT_EQ(compare_scores(spread_of({0.9, 0.7}), spread_of({0.75, 0.8})), Comparison::tie);
  EXPECT_EQ(compare_scores(spread_of({0.905}), spread_of({0.9})), Comparison::tie);
  EXPECT_EQ(compare_scores(spread_of({}), spread_of({0.9})), Comparison::unknown);
}

TEST(Summary, LatencyRatioEdgeCases) {
  EXPECT_DOUBLE_EQ(latency_ratio(0.002, 0.001), 2);
  EXPECT_TRUE(std::isnan(latency_ratio(0.002, 0)));
  EXPECT_TRUE(std::isinf(latency_ratio(0, 0.001)));
  EXPECT_TRUE(std::isinf(latency_ratio(std::nan(""), 0.001)));
}

}  // namespace
}  // namespace dwae::bench
