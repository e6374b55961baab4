// ControlLoop: on the simulated host it gives exactly what the simulator's own runner gives,
// it moves weights the right way under contention, and a host that cannot be sampled
// produces a failed tick with nothing applied.
#include "dwae/agent/control_loop.h"

#include <gtest/gtest.h>

#include "agent/agent_test_support.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/sim_host.h"

namespace dwae::agent {
namespace {

sim::Scenario noisy_neighbour(Nanos duration) {
  auto load =
      sim::load_scenario_file(std::string(DWAE_SOURCE_DIR) + "/scenarios/noisy-neighbour.yaml");
  EXPECT_TRUE(load.scenario.has_value());
  sim::Scenario s = *load.scenario;
  s.duration = duration;
  return s;
}

// Runs the scenario through the ControlLoop, as `dwae run` does without a config.
sim::Report run_with_loop(const sim::Scenario& scenario, const std::string& policy_name,
                          std::vector<TickResult>* ticks = nullptr) {
  auto policy = sim::make_policy(policy_name, scenario);
  EXPECT_TRUE(policy.ok());
  ManualClock clock;
  sim::SimHost host(scenario, clock);
  ControlLoop loop(host, host, **policy, clock);
  for (Nanos t{0}; t < scenario.duration;) {
    TickResult r = loop.tick();
    EXPECT_TRUE(r.ok) << r.error;
    if (ticks != nullptr) ticks->push_back(std::move(r));
    t = std::min(scenario.duration, t + scenario.control_period);
    host.run_until(t);
  }
  return sim::make_report(scenario, host, (*policy)->name());
}

TEST(ControlLoop, GivesTheSimulatorRunnersResultsExactly) {
  const sim::Scenario s = noisy_neighbour(std::chrono::seconds(5));
  for (const char* name : {"static", "feedback"}) {
    auto policy = sim::make_policy(name, s);
    ASSERT_TRUE(policy.ok());
    const sim::Report reference = sim::run_scenario(s, **policy).value();
    EXPECT_EQ(run_with_loop(s, name).to_json(), reference.to_json()) << name;
  }
}

TEST(ControlLoop, FeedbackMovesWeightsTowardTheLatencySensitive) {
  const sim::Scenario s = noisy_neighbour(std::chrono::seconds(10));
  std::vector<TickResult> ticks;
  run_with_loop(s, "feedback", &ticks);
  ASSERT_FALSE(ticks.empty());
  // Over the run, latency-sensitive workloads never lose CPU weight and best-effort ones never
  // gain it relative to where they started, and some decision was explained.
  std::map<std::string, uint32_t> first, last;
  std::map<std::string, WorkloadClassKind> kind;
  size_t explained = 0;
  for (const auto& t : ticks) {
    for (const auto& info : t.workloads) kind[info.name] = info.class_kind;
    for (const auto& w : t.sample.workloads) {
      if (!w.applied.cpu_weight) continue;
      first.try_emplace(w.name, *w.applied.cpu_weight);
      last[w.name] = *w.applied.cpu_weight;
    }
    explained += t.explanations.size();
  }
  EXPECT_GT(explained, 0u);
  bool moved = false;
  for (const auto& [name, w] : last) {
    if (kind[name] == WorkloadClassKind::kLatencySensitive) {
      EXPECT_GE(w, first[name]) << name;
    }
    if (kind[name] == WorkloadClassKind::kBestEffort) {
      EXPECT_LE(w, first[name]) << name;
    }
    moved = moved || w != first[name];
  }
  EXPECT_TRUE(moved);
}

class BrokenHost final : public HostSource, public Actuator {
 public:
  Result<std::vector<WorkloadInfo>> workloads() override {
    return std::vector<WorkloadInfo>{
        fixtures::info("w", "best-effort", WorkloadClassKind::kBestEffort)};
  }
  Result<HostSample> sample() override { return Error{"cgroup files unreadable"}; }
  ApplyReport apply(const Decision&) override {
    ++applies;
    return {};
  }
  Status restore() override { return Status::success(); }
  int applies = 0;
};

class AlwaysDecides final : public policy::Policy {
 public:
  Decision decide(const HostSample&, const std::vector<WorkloadInfo>& w) override {
    Decision d;
    for (const auto& i : w) d.workloads.push_back({i.name, {}});
    return d;
  }
  const char* name() const override { return "always"; }
  void set_configured(const std::string&, const ResourceTargets&) override {}
};

TEST(ControlLoop, FailedSampleAppliesNothing) {
  BrokenHost host;
  AlwaysDecides policy;
  ManualClock clock;
  ControlLoop loop(host, host, policy, clock);
  std::vector<WorkloadInfo> seen;
  loop.on_workloads([&](const std::vector<WorkloadInfo>& w) { seen = w; });
  const TickResult r = loop.tick();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "sample: cgroup files unreadable");
  EXPECT_EQ(host.applies, 0);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(loop.ticks(), 1u);
}

}  // namespace
}  // namespace dwae::agent
