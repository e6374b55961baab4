// Scenario files: every shipped scenario loads and runs; bad files get FILE:LINE:COL errors;
// the same scenario and seed give byte-identical reports.
#include "dwae/sim/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "dwae/policy/static_policy.h"
#include "dwae/sim/runner.h"

namespace dwae::sim {
namespace {

std::string scenario_path(const std::string& name) {
  return std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

std::string errors(const ScenarioLoad& load) {
  std::string out;
  for (const auto& d : load.diagnostics) out += d.format() + "\n";
  return out;
}

Report run_short(Scenario s, Nanos duration) {
  s.duration = duration;
  auto policy = make_policy("static", s);
  EXPECT_TRUE(policy.ok());
  return run_scenario(s, **policy);
}

class ShippedScenario : public ::testing::TestWithParam<const char*> {};

TEST_P(ShippedScenario, LoadsAndRuns) {
  const auto load = load_scenario_file(scenario_path(GetParam()));
  ASSERT_TRUE(load.scenario) << errors(load);
  const std::string path = GetParam();
  EXPECT_EQ(load.scenario->name, path.substr(path.rfind('/') + 1));  // the file's own name
  const Report r = run_short(*load.scenario, Nanos{3'000'000'000});
  EXPECT_NEAR(r.simulated_seconds, 3.0, 1e-9);
  EXPECT_GT(r.events, 0u);
  EXPECT_GT(r.host.cpu_utilisation, 0.0);
  EXPECT_FALSE(r.to_text().empty());
}

INSTANTIATE_TEST_SUITE_P(All, ShippedScenario,
                         ::testing::Values("video-cloud-peak", "trading-low-latency",
                                           "noisy-neighbour", "memory-leak-oom", "io-storm",
                                           "diurnal-mix", "host-16",
                                           "checks/pinned-8-threads-1-cpu",
                                           "checks/threads-beyond-cpus",
                                           "checks/overloaded-service"));

TEST(Scenario, SameSeedGivesByteIdenticalReports) {
  const auto load = load_scenario_file(scenario_path("noisy-neighbour"));
  ASSERT_TRUE(load.scenario) << errors(load);
  const std::string a = run_short(*load.scenario, Nanos{10'000'000'000}).to_json();
  const std::string b = run_short(*load.scenario, Nanos{10'000'000'000}).to_json();
  EXPECT_EQ(a, b);
  Scenario other = *load.scenario;
  other.seed += 1;
  EXPECT_NE(a, run_short(other, Nanos{10'000'000'000}).to_json());
}

TEST(Scenario, UnknownKeyIsReportedWithLineColumnAndSuggestion) {
  const auto load = load_scenario_text(R"(name: x
host:
  cores: 4
classes:
  - {name: ls, kind: latency-sensitive, p99: 5ms}
workloads:
  - name: svc
    class: ls
    kind: service
    theads: 2
    arrivals: {rate: 100}
)",
                                       "bad.yaml");
  ASSERT_FALSE(load.scenario);
  ASSERT_EQ(load.diagnostics.size(), 1u) << errors(load);
  EXPECT_EQ(load.diagnostics[0].format(),
            "bad.yaml:10:5: unknown key 'theads' in workload (did you mean 'threads'?)");
}

TEST(Scenario, BadValuesAndReferencesAreAllReported) {
  const auto load = load_scenario_text(R"(name: x
duration: 10
host:
  cores: 4
  numa_nodes: 1
classes:
  - {name: ls, kind: latency-sensitve}
workloads:
  - name: svc
    class: lss
    kind: service
    numa_node: 1
    arrivals: {rate: -5}
    settings: {cpuset: 0-9, cpu_weight: 20000}
)",
                                       "bad.yaml");
  ASSERT_FALSE(load.scenario);
  const std::string all = errors(load);
  EXPECT_NE(all.find("bad.yaml:2:11: duration:"), std::string::npos) << all;
  EXPECT_NE(all.find("bad.yaml:7:22: kind 'latency-sensitve' is not one of"), std::string::npos)
      << all;
  EXPECT_NE(all.find("bad.yaml:13:22: rate -5 is out of range 0..1e+09"), std::string::npos) << all;
  EXPECT_NE(all.find("bad.yaml:14:41: cpu_weight 20000 is out of range"), std::string::npos) << all;
  EXPECT_NE(all.find("bad.yaml:10:12: unknown class 'lss' (did you mean 'ls'?)"), std::string::npos)
      << all;
  EXPECT_NE(all.find("bad.yaml:12:16: numa_node 1 but the host has 1 node(s)"), std::string::npos)
      << all;
  EXPECT_NE(all.find("bad.yaml:14:24: cpuset names CPU 4"), std::string::npos) << all;
}

TEST(Scenario, SyntaxErrorHasPosition) {
  const auto load = load_scenario_text("name: x\nhost: {cores: 4\n", "broken.yaml");
  ASSERT_FALSE(load.scenario);
  ASSERT_FALSE(load.diagnostics.empty());
  EXPECT_EQ(load.diagnostics[0].where.file, "broken.yaml");
  EXPECT_GT(load.diagnostics[0].where.line, 0);
}

TEST(Scenario, MissingFileIsAnError) {
  const auto load = load_scenario_file("/nonexistent/scenario.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_NE(load.diagnostics[0].format().find("cannot read"), std::string::npos);
}

// A path that never ends (/dev/zero) or blocks (a FIFO with no writer) is refused at once.
TEST(Scenario, AFileThatIsNotARegularFileIsRefused) {
  for (const char* path : {"/dev/zero", "/"}) {
    const auto load = load_scenario_file(path);
    ASSERT_FALSE(load.scenario) << path;
    ASSERT_EQ(load.diagnostics.size(), 1u) << path;
    EXPECT_NE(load.diagnostics[0].format().find("cannot read the scenario file"), std::string::npos)
        << load.diagnostics[0].format();
  }
}

}  // namespace
}  // namespace dwae::sim

namespace dwae::sim {
namespace {

TEST(Scenario, MalformedInputsAreReportedNotCrashed) {
  const std::string deep_flow(100000, '[');
  std::string deep_block;
  for (int i = 0; i < 2000; ++i) deep_block += std::string(static_cast<size_t>(i), ' ') + "a:\n";
  for (const std::string& text :
       {std::string(), std::string("- 1\n- 2\n"), std::string("name: x\nworkloads: [5, [1]]\n"),
        std::string("name: x\nhost: 5\nclasses: {a: 1}\nworkloads: {}\n"), deep_flow, deep_block,
        std::string("\x01\x02\xff\xfe: [", 6), std::string("a: b\n---\nc: d\n")}) {
    const auto load = load_scenario_text(text, "x.yaml");
    EXPECT_FALSE(load.scenario);
    EXPECT_FALSE(load.diagnostics.empty());
    for (const auto& d : load.diagnostics) EXPECT_EQ(d.where.file, "x.yaml");
  }
}

}  // namespace
}  // namespace dwae::sim

namespace dwae::sim {
namespace {

// The trading scenario's story (SPEC 7): pinning the order service to one node's physical
// cores, with NUMA-local memory and its SMT siblings left idle, cuts its P99 and its
// cross-node accesses against the static, unpinned baseline.
TEST(ReferenceScenario, PinningTheOrderServiceCutsP99AndCrossNumaAccesses) {
  const auto load = load_scenario_file(scenario_path("trading-low-latency"));
  ASSERT_TRUE(load.scenario) << errors(load);
  Scenario tuned = *load.scenario;
  for (auto& w : tuned.workloads) {
    if (w.name == "order-service") {
      w.settings.cpuset_cpus = std::vector<uint32_t>{0, 1, 2, 3};
      w.settings.cpuset_mems = std::vector<uint32_t>{0};
    } else {
      std::vector<uint32_t> rest;
      for (uint32_t c = 4; c < 32; ++c) {
        if (c < 16 || c > 19) rest.push_back(c);
      }
      w.settings.cpuset_cpus = rest;
    }
  }
  const Report baseline = run_short(*load.scenario, Nanos{20'000'000'000});
  const Report pinned = run_short(tuned, Nanos{20'000'000'000});
  ASSERT_EQ(baseline.classes[0].name, "orders");
  EXPECT_GT(baseline.classes[0].cross_numa_share, 0.4);
  EXPECT_EQ(pinned.classes[0].cross_numa_share, 0.0);
  EXPECT_LT(pinned.classes[0].p99_ms, 5.0);
  EXPECT_LT(pinned.classes[0].p99_ms, baseline.classes[0].p99_ms / 2);
}

}  // namespace
}  // namespace dwae::sim
