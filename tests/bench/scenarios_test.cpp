// The scenario table and the agent config generated for it: the real config loader accepts it
// and it names the benchmark's cgroups and nothing else.
#include "dwae/bench/scenarios.h"

#include <gtest/gtest.h>

#include <set>

#include "dwae/bench/runner.h"
#include "dwae/config/loader.h"

namespace dwae::bench {
namespace {

AgentConfigInput input_for(Controller controller) {
  AgentConfigInput input;
  input.root_name = "dwae-bench-42-two-sla";
  input.tenant_dirs = {"/sys/fs/cgroup/cpu/dwae-bench-42-two-sla/tenants",
                       "/sys/fs/cgroup/memory/a/dwae-bench-42-two-sla/tenants"};
  input.state_dir = "/tmp/dwae-bench-x/agent";
  input.controller = controller;
  input.model_path = "/tmp/model.policy";
  return input;
}

TEST(Scenarios, TheIssueListIsThere) {
  std::set<std::string> names;
  for (const auto& s : all_scenarios()) {
    names.insert(s.name);
    EXPECT_FALSE(s.services.empty()) << s.name;
    EXPECT_FALSE(s.best_effort.empty()) << s.name;
    EXPECT_FALSE(s.description.empty()) << s.name;
  }
  for (const char* n :
       {"steady-1to4", "steady-1to8", "bursty", "two-sla", "memory-pressure", "io-contention"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  EXPECT_EQ(find_scenario("steady-1to4")->best_effort[0].hogs_per_core, 4);
  EXPECT_EQ(find_scenario("steady-1to8")->best_effort[0].hogs_per_core, 8);
  EXPECT_GT(find_scenario("bursty")->burst_off.count(), 0);
  const auto two = find_scenario("two-sla");
  ASSERT_EQ(two->services.size(), 2u);
  EXPECT_NE(two->services[0].p99_sla, two->services[1].p99_sla);
  EXPECT_FALSE(find_scenario("nope").has_value());
}

TEST(AgentConfig, LoadsAndMatchesOnlyTheBenchmarkCgroups) {
  for (const auto controller : {Controller::rule, Controller::feedback, Controller::ppo}) {
    const auto scenario = *find_scenario("two-sla");
    const std::string text = agent_config(scenario, input_for(controller));
    const auto loaded = config::load_config_text(text, "bench.yaml");
    ASSERT_TRUE(loaded.ok()) << text << "\n"
                             << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].format());
    const auto& c = *loaded.config;
    EXPECT_EQ(c.agent.cgroup_roots, input_for(controller).tenant_dirs);
    EXPECT_EQ(c.agent.state_dir, "/tmp/dwae-bench-x/agent");
    EXPECT_EQ(c.agent.metrics_address, "");  // never collides with an agent on the host
    ASSERT_EQ(c.workloads.size(), 3u);
    for (const auto& w : c.workloads) {
      EXPECT_NE(text.find("\"**/dwae-bench-42-two-sla/tenants/" + w.name + "\""),
                std::string::npos);
    }
    ASSERT_NE(c.find_class("ls-redis"), nullptr);
    ASSERT_NE(c.find_class("ls-nginx"), nullptr);
    EXPECT_GT(c.find_class("ls-redis")->priority, c.find_class("ls-nginx")->priority);
    EXPECT_EQ(text.find("model:") != std::string::npos, controller == Controller::ppo);
  }
}

TEST(AgentConfig, EveryScenarioGivesAValidConfig) {
  for (const auto& s : all_scenarios()) {
    const auto loaded = config::load_config_text(agent_config(s, input_for(Controller::feedback)),
                                                 s.name + ".yaml");
    EXPECT_TRUE(loaded.ok()) << s.name;
  }
}

TEST(BenchPlan, DefaultsShortModeAndErrors) {
  BenchOptions options;
  options.model_path = std::string(DWAE_SOURCE_DIR) + "/models/default.policy";
  auto full = plan_bench(options);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->scenarios.size(), all_scenarios().size());
  EXPECT_EQ(full->repetitions, 3);
  EXPECT_EQ(full->controllers.front(), Controller::none);
  EXPECT_EQ(full->controllers.back(), Controller::ppo);

  options.short_mode = true;
  auto quick = plan_bench(options);
  ASSERT_TRUE(quick.ok());
  EXPECT_EQ(quick->scenarios.size(), 1u);
  EXPECT_EQ(quick->repetitions, 1);
  EXPECT_EQ(quick->controllers, (std::vector<Controller>{Controller::none, Controller::feedback}));

  options.model_path = "/nonexistent.policy";
  options.short_mode = false;
  auto no_ppo = plan_bench(options);
  ASSERT_TRUE(no_ppo.ok());
  EXPECT_EQ(no_ppo->controllers.back(), Controller::feedback);
  options.controllers = {Controller::ppo};
  EXPECT_FALSE(plan_bench(options).ok());

  options.controllers.clear();
  options.scenarios = {"steady-1to4", "bogus"};
  auto bad = plan_bench(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bogus"), std::string::npos);
}

// A scenario or controller named twice would be measured twice and then listed twice in
// results.json, which --from refuses.
TEST(BenchPlan, NamingAScenarioOrControllerTwiceIsAnError) {
  BenchOptions options;
  options.controllers = {Controller::none, Controller::feedback, Controller::none};
  auto twice = plan_bench(options);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("controller 'none' is named twice"), std::string::npos)
      << twice.error().message;

  options.controllers = {Controller::none};
  options.scenarios = {"steady-1to4", "bursty", "steady-1to4"};
  twice = plan_bench(options);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("scenario 'steady-1to4' is named twice"), std::string::npos)
      << twice.error().message;

  options.scenarios = {"steady-1to4", "bursty"};
  EXPECT_TRUE(plan_bench(options).ok());
}

TEST(BenchPlan, CountsCpusetCpus) {
  EXPECT_EQ(count_cpus("0-1\n"), 2);
  EXPECT_EQ(count_cpus("0-3,8,10-11"), 7);
  EXPECT_EQ(count_cpus("5"), 1);
  EXPECT_EQ(count_cpus(""), 0);
  EXPECT_EQ(count_cpus("x"), 0);
}

TEST(BenchPlan, MedianOverRepetitions) {
  ServiceRun a, b, c;
  a.name = b.name = c.name = "redis";
  a.p99_s = 3;
  b.p99_s = 1;
  c.p99_s = 2;
  a.cdf = {{0.5, 1}, {1.0, 9}};
  b.cdf = {{0.5, 2}, {1.0, 7}};
  c.cdf = {{0.5, 3}, {1.0, 8}};
  const auto m = median_service_run({a, b, c});
  EXPECT_EQ(m.name, "redis");
  EXPECT_DOUBLE_EQ(m.p99_s, 2);
  ASSERT_EQ(m.cdf.size(), 2u);
  EXPECT_DOUBLE_EQ(m.cdf[0].seconds, 2);
  EXPECT_DOUBLE_EQ(m.cdf[1].seconds, 8);
}

}  // namespace
}  // namespace dwae::bench
