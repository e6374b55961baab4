// The reward: weights parse and print, every term has the documented sign, and the meter turns
// cumulative simulator counters into one tick's terms.
#include "dwae/train/reward.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dwae::train {
namespace {

TEST(RewardWeights, ParseOverridesAndRefusesUnknownOrBad) {
  auto w = parse_reward_weights("tail=3,utilisation=0.5");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->tail, 3.0);
  EXPECT_EQ(w->utilisation, 0.5);
  EXPECT_EQ(w->sla, RewardWeights{}.sla);
  auto round = parse_reward_weights(format_reward_weights(*w));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->tail, 3.0);
  EXPECT_EQ(round->change_size, w->change_size);

  auto unknown = parse_reward_weights("latency=1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown reward weight 'latency'"), std::string::npos);
  EXPECT_FALSE(parse_reward_weights("tail=x").ok());
  EXPECT_FALSE(parse_reward_weights("tail=-1").ok());
  EXPECT_FALSE(parse_reward_weights("tail").ok());
}

TEST(RewardWeights, PenaltiesLowerAndCreditsRaiseTheReward) {
  const RewardWeights w;
  EXPECT_EQ(combine(RewardTerms{}, w), 0.0);
  for (double RewardTerms::*term :
       {&RewardTerms::tail, &RewardTerms::sla, &RewardTerms::stall, &RewardTerms::cv,
        &RewardTerms::fragmentation, &RewardTerms::changes, &RewardTerms::change_size}) {
    RewardTerms t;
    t.*term = 1;
    EXPECT_LT(combine(t, w), 0.0);
  }
  for (double RewardTerms::*term : {&RewardTerms::utilisation, &RewardTerms::overcommit}) {
    RewardTerms t;
    t.*term = 1;
    EXPECT_GT(combine(t, w), 0.0);
  }
}

sim::Scenario two_class_scenario() {
  sim::Scenario s;
  s.host.cores = 4;
  sim::ClassSpec ls;
  ls.name = "web";
  ls.kind = WorkloadClassKind::kLatencySensitive;
  ls.p99_target = std::chrono::milliseconds(10);
  sim::ClassSpec tp;
  tp.name = "batch";
  tp.kind = WorkloadClassKind::kThroughput;
  tp.throughput_cv_target = 0.15;
  s.classes = {ls, tp};
  sim::WorkloadSpec web;
  web.name = "web";
  web.class_name = "web";
  web.threads = 4;
  sim::WorkloadSpec batch;
  batch.name = "batch";
  batch.class_name = "batch";
  batch.kind = sim::WorkloadKind::kBatch;
  batch.threads = 16;
  s.workloads = {web, batch};
  return s;  // 20 vCPUs on 4 cores: overcommit 5
}

TEST(RewardMeter, TermsAreDifferencesOfCumulativeCounters) {
  const sim::Scenario s = two_class_scenario();
  RewardMeter meter(s, RewardWeights{});
  sim::Metrics m;
  m.classes.resize(2);
  m.host.cpu_capacity_ns = 4e8;
  m.host.cpu_used_ns = 3e8;
  m.host.memory_capacity_byte_ns = 1e9;
  m.classes[0].requests = 1000;  // all within target
  m.classes[1].units_per_window = {1, 1, 1};
  RewardTerms t = meter.measure(m);
  EXPECT_DOUBLE_EQ(t.utilisation, 0.75);
  EXPECT_EQ(t.tail, 0.0);
  EXPECT_EQ(t.sla, 0.0);
  EXPECT_EQ(t.cv, 0.0);
  EXPECT_DOUBLE_EQ(t.overcommit, 1.0);  // 1:5 reached and the SLA held

  // Next tick: 100 more requests of which 6 over target and 1 failed (7 % > 1 %), one window
  // closed violating, a throughput swing, 20 % of the CPU stranded.
  m.host.cpu_capacity_ns = 8e8;
  m.host.cpu_used_ns = 4e8;
  m.host.cpu_stranded_ns = 0.8e8;
  m.host.memory_capacity_byte_ns = 2e9;
  m.classes[0].requests = 1099;
  m.classes[0].requests_over_target = 6;
  m.classes[0].requests_failed = 1;
  m.classes[0].windows_violating = 1;
  m.classes[1].units_per_window = {1, 1, 1, 3};
  t = meter.measure(m);
  EXPECT_DOUBLE_EQ(t.utilisation, 0.25);
  EXPECT_NEAR(t.tail, (0.07 - 0.01) * 10, 1e-12);
  EXPECT_EQ(t.sla, 1.0);
  EXPECT_NEAR(t.fragmentation, 0.2 - 0.08, 1e-12);
  EXPECT_EQ(t.overcommit, 0.0);  // the tail was over: no credit
  // CV of {1,1,1,3}: mean 1.5, sd 0.866 -> 0.577; (0.577 - 0.15) / 0.15 capped at 2.
  EXPECT_DOUBLE_EQ(t.cv, 2.0);
}

TEST(RewardMeter, ChangesCountSettingsThatMoved) {
  HostSample before;
  WorkloadSample a;
  a.name = "a";
  a.applied.cpu_weight = 100;
  WorkloadSample b;
  b.name = "b";
  before.workloads = {a, b};
  Decision d;
  ResourceTargets ta;
  ta.cpu_weight = 200;
  ta.io_weight = 100;  // from the unset default 100: counted, no size
  d.workloads.push_back({"a", ta});
  RewardTerms t;
  RewardMeter::count_changes(d, before, 2, t);
  EXPECT_DOUBLE_EQ(t.changes, 1.0);  // 2 changes over 2 workloads
  EXPECT_NEAR(t.change_size, std::log(2.0) / 2, 1e-12);
}

}  // namespace
}  // namespace dwae::train
