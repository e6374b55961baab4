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
  return run_scenario(s, **policy).value();
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
  EXPECT_NE(all.find("bad.yaml:13:22: rate -5 is out of range 0..1e+06"), std::string::npos) << all;
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

namespace dwae::sim {
namespace {

// A small valid scenario with `workloads` (and `host`) put in; the tests below change one thing.
std::string with_workloads(const std::string& workloads,
                           const std::string& host = "host: {cores: 4, smt: 2, numa_nodes: 2}") {
  return "name: t\nduration: 2s\n" + host +
         "\nclasses:\n  - {name: c, kind: throughput}\n  - {name: web, kind: latency-sensitive}\n"
         "workloads:\n" +
         workloads;
}
// Lines 1-7 are the header above; the first workload is on line 8.

TEST(ScenarioMerge, AMappingThatMergesItselfIsAnErrorNotACrash) {
  const auto self = load_scenario_text(with_workloads(R"(  - &w
    name: w
    class: c
    kind: batch
    <<: *w
)"),
                                       "s.yaml");
  ASSERT_FALSE(self.scenario);
  EXPECT_EQ(errors(self), "s.yaml:12:5: << merges a mapping into itself\n");

  // Through a mapping it merges (an alias cannot name an anchor further down).
  const auto nested = load_scenario_text(
      with_workloads("  - &a {name: a, class: c, kind: batch, <<: {threads: 2, <<: *a}}\n"),
      "m.yaml");
  ASSERT_FALSE(nested.scenario);
  EXPECT_EQ(errors(nested), "m.yaml:8:58: << merges a mapping into itself\n");
}

TEST(ScenarioMerge, ChainsAndDiamondsOfMergesStayCheap) {
  // Each level merges the one before twice: 2^40 merges if each reference were expanded anew.
  std::string text = "  - &l0 {name: l0, class: c, kind: batch}\n";
  for (int i = 1; i <= 30; ++i) {
    text += "  - &l" + std::to_string(i) + " {<<: [*l" + std::to_string(i - 1) + ", *l" +
            std::to_string(i - 1) + "], name: l" + std::to_string(i) + "}\n";
  }
  const auto load = load_scenario_text(with_workloads(text), "d.yaml");
  ASSERT_TRUE(load.scenario) << errors(load);
  EXPECT_EQ(load.scenario->workloads.back().kind, WorkloadKind::kBatch);

  std::string deep = "  - &l0 {name: l0, class: c, kind: batch}\n";
  for (int i = 1; i <= 40; ++i) {
    deep += "  - &l" + std::to_string(i) + " {<<: *l" + std::to_string(i - 1) + ", name: l" +
            std::to_string(i) + "}\n";
  }
  const auto too_deep = load_scenario_text(with_workloads(deep), "d.yaml");
  ASSERT_FALSE(too_deep.scenario);
  EXPECT_NE(errors(too_deep).find("merged mappings nest deeper than 32"), std::string::npos)
      << errors(too_deep);
}

// yaml.org/type/merge.html: the mapping's own keys win, then the earlier merged mapping.
TEST(ScenarioMerge, OwnKeysWinThenEarlierMergedMappings) {
  const auto load = load_scenario_text(
      with_workloads(R"(  - &a {name: a, class: c, kind: batch, threads: 1, vcpus: 1}
  - &b {name: b, class: c, kind: batch, threads: 4, vcpus: 4, numa_node: 1}
  - name: w
    <<: [*a, *b]
  - name: v
    <<: [*b, *a]
    threads: 2
)"),
      "o.yaml");
  ASSERT_TRUE(load.scenario) << errors(load);
  const WorkloadSpec& w = load.scenario->workloads[2];
  EXPECT_EQ(w.threads, 1u);
  EXPECT_EQ(w.vcpus, 1.0);
  EXPECT_EQ(w.numa_node, 1u);  // only *b has it
  const WorkloadSpec& v = load.scenario->workloads[3];
  EXPECT_EQ(v.threads, 2u);
  EXPECT_EQ(v.vcpus, 4.0);
}

TEST(ScenarioMerge, KeysOfMergedMappingsAreChecked) {
  const auto load = load_scenario_text(with_workloads(R"(  - name: w1
    <<: &base {class: c, kind: batch, thraeds: 4, setings: {cpu_weight: 5000}}
  - name: w2
    <<: [*base, 5]
)"),
                                       "t.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "t.yaml:9:39: unknown key 'thraeds' in workload (did you mean 'threads'?)\n"
            "t.yaml:9:51: unknown key 'setings' in workload (did you mean 'settings'?)\n"
            "t.yaml:11:17: << must name a mapping (an alias such as *defaults) or a list of "
            "them\n");
}

TEST(Scenario, RatesAboveWhatTheSimulatorRunsAreRefused) {
  const auto load = load_scenario_text(
      with_workloads(R"(  - {name: a, class: web, kind: service, arrivals: {rate: 1e9}}
  - {name: b, class: web, kind: service, arrivals: {process: onoff, rate: 100, off_rate: 2e6}}
  - {name: v, class: web, kind: video, video: {streams: 100000, fps: 30}}
  - {name: ok, class: web, kind: service, arrivals: {rate: 1e6}}
)"),
      "r.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "r.yaml:8:59: rate 1e9 is above the simulator's limit of 1000000 requests/s per "
            "workload\n"
            "r.yaml:9:90: off_rate 2e6 is above the simulator's limit of 1000000 requests/s per "
            "workload\n"
            "r.yaml:10:47: video workload 'v': streams x fps is 3000000 frames/s, above the "
            "simulator's limit of 1000000 per workload\n");
}

TEST(Scenario, VideoTakesItsRateFromStreamsAndFpsNotFromArrivals) {
  const auto load = load_scenario_text(with_workloads(R"(  - name: v
    class: web
    kind: video
    video: {streams: 50, fps: 30}
    arrivals: {process: poisson}
)"),
                                       "v.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "v.yaml:12:15: video workload 'v' takes its frame rate from video.streams x "
            "video.fps; remove arrivals\n");
  const auto ok = load_scenario_text(
      with_workloads("  - {name: v, class: web, kind: video, video: {streams: 50, fps: 30}}\n"),
      "v.yaml");
  ASSERT_TRUE(ok.scenario) << errors(ok);
  EXPECT_EQ(ok.scenario->workloads[0].arrivals.rate, 1500.0);
}

// As the kernel reads a cpuset list: "1,1" is {1}; nothing beyond the host's CPUs or nodes.
TEST(Scenario, CpuAndNodeListsAreSetsWithinTheHost) {
  std::string huge;
  for (int i = 0; i < 3000; ++i) huge += "0-7,";
  huge += "3";
  const auto load = load_scenario_text(
      with_workloads("  - {name: a, class: c, kind: batch, settings: {cpuset: '1,1,1,1', mems: "
                     "'0,0,0'}}\n  - {name: b, class: c, kind: batch, settings: {cpuset: '" +
                     huge + "', mems: '1-1,0'}}\n"),
      "l.yaml");
  ASSERT_TRUE(load.scenario) << errors(load);
  const auto& a = load.scenario->workloads[0].settings;
  EXPECT_EQ(*a.cpuset_cpus, std::vector<uint32_t>{1});
  EXPECT_EQ(*a.cpuset_mems, std::vector<uint32_t>{0});
  const auto& b = load.scenario->workloads[1].settings;
  EXPECT_EQ(*b.cpuset_cpus, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(*b.cpuset_mems, (std::vector<uint32_t>{0, 1}));

  const auto bad = load_scenario_text(
      with_workloads("  - {name: a, class: c, kind: batch, settings: {cpuset: 0-4000000000}}\n"
                     "  - {name: b, class: c, kind: batch, settings: {cpuset: '0,,1', mems: 2}}\n"
                     "  - {name: d, class: c, kind: batch, settings: {cpuset: '1-0', mems: ''}}\n"),
      "l.yaml");
  ASSERT_FALSE(bad.scenario);
  EXPECT_EQ(errors(bad),
            "l.yaml:8:57: cpuset names CPU 8 but the host has CPUs 0-7\n"
            "l.yaml:9:57: cpuset must be a list such as 0-3,8\n"
            "l.yaml:9:71: mems names node 2 but the host has nodes 0-1\n"
            "l.yaml:10:57: cpuset must be a list such as 0-3,8\n"
            "l.yaml:10:70: mems must be a list such as 0-3,8\n");
}

TEST(Scenario, CpuMaxOutsideTheKernelsBoundsIsAnError) {
  const auto load = load_scenario_text(
      with_workloads("  - {name: a, class: c, kind: batch, settings: {cpu_period: 2s}}\n"
                     "  - {name: b, class: c, kind: batch, settings: {cpu_period: 500us}}\n"
                     "  - {name: d, class: c, kind: batch, settings: {cpu_period: 1ms, "
                     "cpu_quota: 0.01}}\n"
                     "  - {name: e, class: c, kind: batch, settings: {cpu_period: 1s, "
                     "cpu_quota: 0.01}}\n"),
      "q.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "q.yaml:8:61: cpu_period must be at most 1s\n"
            "q.yaml:9:61: cpu_period must be at least 1ms\n"
            "q.yaml:10:77: cpu_quota 0.01 of a 1ms cpu_period is 10us, below the kernel's 1ms "
            "minimum quota\n");
}

// cpu.max.burst above the quota and an io.max limit of 0 are refused as the kernel refuses them
// (EINVAL, ERANGE); a burst without a quota is a value the kernel keeps for later.
TEST(Scenario, BurstAboveQuotaAndZeroIoLimitsAreErrors) {
  const auto load = load_scenario_text(
      with_workloads("  - {name: a, class: c, kind: batch, settings: {cpu_quota: 1, "
                     "cpu_period: 100ms, cpu_burst: 1s}}\n"
                     "  - {name: b, class: c, kind: batch, settings: {cpu_quota: 1, "
                     "cpu_period: 100ms, cpu_burst: 100ms}}\n"
                     "  - {name: d, class: c, kind: batch, settings: {cpu_burst: 1s}}\n"
                     "  - {name: e, class: c, kind: batch, settings: {io_max_bps: 0}}\n"
                     "  - {name: f, class: c, kind: batch, settings: {io_max_iops: 0}}\n"),
      "b.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "b.yaml:8:93: cpu_burst 1s is above the 100ms quota (cpu_quota x cpu_period); the "
            "kernel refuses a burst above the quota\n"
            "b.yaml:11:61: io_max_bps must be more than 0\n"
            "b.yaml:12:62: io_max_iops 0 is out of range 1..18446744073709551615\n");
}

// Settings that reach the simulator without the loader (a scenario built in code) and that it
// refuses stop the run with the workload and the field, instead of running it unconfigured.
TEST(Scenario, RefusedInitialSettingsStopTheRun) {
  auto load = load_scenario_text(
      with_workloads("  - {name: a, class: c, kind: batch, settings: {cpu_weight: 50}}\n"
                     "  - {name: b, class: c, kind: batch}\n"),
      "i.yaml");
  ASSERT_TRUE(load.scenario) << errors(load);
  Scenario s = *load.scenario;
  s.workloads[1].settings.cpu_period_us = 2'000'000;
  s.workloads[1].settings.cpu_weight = 200;
  auto policy = make_policy("static", s);
  ASSERT_TRUE(policy.ok());
  const auto run = run_scenario(s, **policy);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message,
            "the host refused the initial settings: workload 'b': cpu.max: period out of range "
            "1ms..1s");
  auto again = make_policy("static", *load.scenario);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(run_scenario(*load.scenario, **again).ok());
}

TEST(Scenario, HostValuesTheModelCannotUseAreErrors) {
  const auto load = load_scenario_text(
      with_workloads("  - {name: a, class: c, kind: batch}\n",
                     "host: {cores: 4, sched_slice: 0s, memory: 0, disk: {bandwidth: 0}, "
                     "network: {bandwidth: 0}, remote_memory_latency: 50ns}"),
      "h.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "h.yaml:3:43: memory must be between 64MiB and 1PiB\n"
            "h.yaml:3:31: sched_slice must be at least 100us\n"
            "h.yaml:3:116: remote_memory_latency 50ns is below local_memory_latency 89ns\n"
            "h.yaml:3:64: bandwidth must be more than 0\n"
            "h.yaml:3:89: bandwidth must be more than 0\n");
}

TEST(Scenario, NamesMustBeUtf8) {
  const std::string bad = "\xff\xfe";
  const auto load =
      load_scenario_text("name: n" + bad + "\nhost: {cores: 4}\nclasses:\n  - {name: c" + bad +
                             ", kind: throughput}\nworkloads:\n  - {name: w" + bad + ", class: c" +
                             bad + ", kind: batch}\n",
                         "u.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "u.yaml:1:7: name must be UTF-8 text\n"
            "u.yaml:4:12: name must be UTF-8 text\n"
            "u.yaml:6:12: name must be UTF-8 text\n"
            "u.yaml:6:24: class must be UTF-8 text\n");
}

TEST(Scenario, KeysGivenTwiceAreErrors) {
  const auto load = load_scenario_text(R"(name: a
name: b
host: {cores: 4}
classes:
  - {name: c, kind: throughput}
workloads:
  - {name: w, class: c, kind: batch, threads: 2, threads: 8}
)",
                                       "k.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "k.yaml:2:1: key 'name' is given twice in scenario\n"
            "k.yaml:7:50: key 'threads' is given twice in workload\n");
}

TEST(Scenario, AWorkloadThatIsNotAMappingKeepsTheOtherErrors) {
  const auto load = load_scenario_text(
      with_workloads(
          "  - oops\n  - {name: a, class: nope, kind: batch, settings: {cpuset: 0-63}}\n"),
      "w.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "w.yaml:8:5: a workload must be a mapping\n"
            "w.yaml:9:60: cpuset names CPU 8 but the host has CPUs 0-7\n"
            "w.yaml:9:22: unknown class 'nope'\n");
}

TEST(Scenario, AVideoNetworkThatIsNotAMappingIsReportedOnce) {
  const auto load = load_scenario_text(
      with_workloads("  - {name: v, class: web, kind: video, video: {streams: 2}, network: 5}\n"
                     "  - {name: v, class: web, kind: video, video: {streams: 2}}\n"),
      "n.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "n.yaml:8:70: network must be a mapping\n"
            "n.yaml:9:5: duplicate workload 'v'\n");
}

TEST(Scenario, QuantumAboveControlPeriodPointsAtWhatIsWritten) {
  const auto load = load_scenario_text(
      "control_period: 1ms\n" + with_workloads("  - {name: a, class: c, kind: batch}\n"), "p.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load), "p.yaml:1:17: quantum 5ms must not exceed control_period 1ms\n");
}

TEST(Scenario, AMistypedKindIsTheOnlyError) {
  const auto load =
      load_scenario_text(with_workloads("  - {name: a, class: web, kind: servic}\n"), "b.yaml");
  ASSERT_FALSE(load.scenario);
  EXPECT_EQ(errors(load),
            "b.yaml:8:33: kind 'servic' is not one of: service, batch, managed, log-writer, "
            "object-reader, metadata, video, noisy (did you mean 'service'?)\n");
}

}  // namespace
}  // namespace dwae::sim
