// One test per kind of bad config: each checks the exact position and the wording an operator
// reads from `dwae check-config`.
#include <string>

#include "config_test_util.h"

namespace dwae::config::test {
namespace {

TEST(ConfigErrors, YamlSyntaxErrorIsReportedWhereYamlCppFoundIt) {
  const auto result = load("agent:\n  cgroup_roots: [/sys/fs/cgroup\npolicy: {name: rule}\n");
  ASSERT_EQ(result.diagnostics.size(), 1u) << all_diagnostics(result);
  EXPECT_EQ(result.diagnostics[0].where.line, 3);
  EXPECT_NE(result.diagnostics[0].message.find("YAML syntax error"), std::string::npos);
}

// yaml-cpp's LoadAll loops forever on a stray ',' outside a flow collection; found by fuzzing.
TEST(ConfigErrors, StrayCommaIsASyntaxErrorNotAHang) {
  EXPECT_TRUE(HasOneError(load(","), 1, 1, "YAML syntax error: unexpected ','"));
  EXPECT_TRUE(HasOneError(load("- a\n,\n"), 2, 1, "YAML syntax error: unexpected ','"));
  EXPECT_TRUE(HasOneError(load("agent: {}\n...\n,age{x\n"), 3, 1, "unexpected ','"));
}

TEST(ConfigErrors, EmptyFileIsRefused) {
  EXPECT_TRUE(HasOneError(load(""), 1, 1, "config is empty"));
  EXPECT_TRUE(HasOneError(load("# only a comment\n"), 1, 1, "config is empty"));
}

TEST(ConfigErrors, TopLevelThatIsNotAMappingIsRefused) {
  EXPECT_TRUE(HasOneError(load("- agent\n- policy\n"), 1, 1,
                          "top level of a config must be a mapping, not a list"));
  EXPECT_TRUE(HasOneError(load("just words\n"), 1, 1, "must be a mapping, not 'just words'"));
}

TEST(ConfigErrors, MoreThanOneYamlDocumentIsRefused) {
  EXPECT_TRUE(
      HasOneError(load("agent: {}\n---\npolicy: {}\n"), 2, 1, "more than one YAML document"));
}

TEST(ConfigErrors, StringWhereNumberIsExpected) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: web, kind: throughput, priority: high}\n"), 2,
                          45, "'priority' must be a whole number, not 'high'"));
  EXPECT_TRUE(HasOneError(load("agent:\n  hysteresis: low\n"), 2, 15,
                          "'hysteresis' must be a number, not 'low'"));
}

TEST(ConfigErrors, FractionWhereWholeNumberIsExpected) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: web, kind: throughput, priority: 1.5}\n"), 2,
                          45, "'priority' must be a whole number, not '1.5'"));
}

TEST(ConfigErrors, MappingWhereListIsExpected) {
  EXPECT_TRUE(HasOneError(load("classes:\n  name: web\n"), 2, 3,
                          "'classes' must be a list, not a mapping"));
}

TEST(ConfigErrors, ListWhereMappingIsExpected) {
  EXPECT_TRUE(
      HasOneError(load("agent: [period]\n"), 1, 8, "'agent' must be a mapping, not a list"));
}

TEST(ConfigErrors, ListEntryThatIsNotAMapping) {
  EXPECT_TRUE(HasOneError(load("workloads:\n  - redis\n"), 2, 5,
                          "each entry of 'workloads' must be a workload mapping, not 'redis'"));
}

TEST(ConfigErrors, MappingWhereScalarIsExpected) {
  EXPECT_TRUE(HasOneError(load("agent:\n  state_dir: {path: /x}\n"), 2, 14,
                          "'state_dir' must be a string, not a mapping"));
}

TEST(ConfigErrors, KeyWithoutValue) {
  EXPECT_TRUE(HasOneError(load("agent:\n  period:\n"), 2, 3, "'period' has no value"));
}

TEST(ConfigErrors, NonBooleanForBooleanKey) {
  EXPECT_TRUE(HasOneError(load("agent:\n  dry_run: maybe\n"), 2, 12,
                          "'dry_run' must be true or false, not 'maybe'"));
}

TEST(ConfigErrors, UnknownKeySuggestsTheClosestKnownKey) {
  EXPECT_TRUE(HasOneError(load("agent:\n  perod: 200ms\n"), 2, 3,
                          "unknown key 'perod' in agent (did you mean 'period'?)"));
}

TEST(ConfigErrors, UnknownKeyFarFromAnyKnownKeyHasNoSuggestion) {
  const auto result = load("telemetry: {}\n");
  EXPECT_TRUE(HasOneError(result, 1, 1, "unknown key 'telemetry' in the top level"));
  EXPECT_EQ(result.diagnostics[0].message.find("did you mean"), std::string::npos);
}

TEST(ConfigErrors, DuplicateKeyInOneMapping) {
  EXPECT_TRUE(HasOneError(load("agent:\n  period: 1s\n  period: 2s\n"), 3, 3,
                          "duplicate key 'period' (first written at line 2)"));
}

TEST(ConfigErrors, WorkloadMissingRequiredKeys) {
  const auto result = load("workloads:\n  - name: redis\n");
  ASSERT_EQ(result.diagnostics.size(), 2u) << all_diagnostics(result);
  EXPECT_TRUE(HasError(result, 2, 5, "workload is missing required key 'class'"));
  EXPECT_TRUE(HasError(result, 2, 5, "workload is missing required key 'match'"));
  EXPECT_TRUE(HasOneError(load("workloads:\n  - {class: best-effort, match: {cgroup: /a}}\n"), 2, 5,
                          "workload is missing required key 'name'"));
}

TEST(ConfigErrors, ClassMissingRequiredKeys) {
  EXPECT_TRUE(
      HasOneError(load("classes:\n  - name: web\n"), 2, 5, "class is missing required key 'kind'"));
  EXPECT_TRUE(HasOneError(load("classes:\n  - kind: throughput\n"), 2, 5,
                          "class is missing required key 'name'"));
}

TEST(ConfigErrors, NegativeNumber) {
  EXPECT_TRUE(HasOneError(load("agent:\n  hysteresis: -0.1\n"), 2, 15,
                          "'hysteresis' must not be negative (got -0.1)"));
  EXPECT_TRUE(
      HasOneError(load("classes:\n  - {name: t, kind: throughput, sla: {min_throughput: -5}}\n"), 2,
                  55, "'min_throughput' must not be negative"));
  EXPECT_TRUE(
      HasOneError(load("classes:\n  - {name: t, kind: throughput, defaults: {cpu_quota: -1}}\n"), 2,
                  55, "'cpu_quota' must not be negative"));
}

TEST(ConfigErrors, PeriodOutOfRange) {
  EXPECT_TRUE(HasOneError(load("agent:\n  period: 10ms\n"), 2, 11,
                          "'period' must be between 50ms and 10s (got 10ms)"));
  EXPECT_TRUE(HasOneError(load("agent:\n  period: 1m\n"), 2, 11, "(got 60s)"));
}

TEST(ConfigErrors, PriorityOutOfRange) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: web, kind: throughput, priority: 200}\n"), 2,
                          45, "'priority' must be between 0 and 100 (got 200)"));
}

TEST(ConfigErrors, WeightOutOfRange) {
  EXPECT_TRUE(
      HasOneError(load("classes:\n  - {name: t, kind: throughput, defaults: {cpu_weight: 0}}\n"), 2,
                  56, "'cpu_weight' must be between 1 and 10000 (got 0)"));
  EXPECT_TRUE(
      HasOneError(load("classes:\n  - {name: t, kind: throughput, defaults: {io_weight: 20000}}\n"),
                  2, 55, "'io_weight' must be between 1 and 10000 (got 20000)"));
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: t\n    kind: throughput\n    bounds:\n"
                               "      cpu_weight: {min: 0, max: 100}\n"),
                          5, 25, "'bounds.cpu_weight.min' must be between 1 and 10000 (got 0)"));
}

TEST(ConfigErrors, FractionOutOfRange) {
  EXPECT_TRUE(HasOneError(load("agent:\n  hysteresis: 2\n"), 2, 15,
                          "'hysteresis' must be between 0 and 1 (got 2)"));
  EXPECT_TRUE(
      HasOneError(load("agent:\n  max_step: 0\n"), 2, 13, "'max_step' must be greater than 0"));
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: t\n    kind: throughput\n    bounds:\n"
                               "      net_share: {min: 0.1, max: 1.5}\n"),
                          5, 34, "'bounds.net_share.max' must be between 0 and 1 (got 1.5)"));
}

TEST(ConfigErrors, BoundFloorAboveCeiling) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: t\n    kind: throughput\n    bounds:\n"
                               "      memory_low: {min: 4GiB, max: 1GiB}\n"),
                          5, 25, "'bounds.memory_low': min 4.0GiB is above max 1.0GiB"));
}

TEST(ConfigErrors, BoundWithoutMinOrMax) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: t\n    kind: throughput\n    bounds:\n"
                               "      cpu_weight: {max: 100}\n"),
                          5, 19, "bounds.cpu_weight is missing required key 'min'"));
}

TEST(ConfigErrors, DefaultOutsideClassBounds) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: t\n    kind: throughput\n"
                               "    bounds: {cpu_weight: {min: 100, max: 1000}}\n"
                               "    defaults: {cpu_weight: 50}\n"),
                          5, 28, "default 'cpu_weight' 50 is outside the class bounds 100..1000"));
}

TEST(ConfigErrors, WorkloadSettingOutsideClassBounds) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: t\n    kind: throughput\n"
                               "    bounds: {memory_high: {min: 1GiB, max: 2GiB}}\n"
                               "workloads:\n  - name: w\n    class: t\n"
                               "    match: {cgroup: /a}\n    settings: {memory_high: max}\n"),
                          9, 29, "setting 'memory_high' max is outside the class bounds"));
}

TEST(ConfigErrors, MemoryLowAboveMemoryHigh) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: t, kind: throughput, "
                               "defaults: {memory_low: 2GiB, memory_high: 1GiB}}\n"),
                          2, 56, "'memory_low' 2.0GiB is above 'memory_high' 1.0GiB"));
}

TEST(ConfigErrors, UnknownClassReferencedByWorkloadSuggestsAClass) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: web, kind: latency-sensitive}\n"
                               "workloads:\n  - {name: w, class: wbe, match: {cgroup: /a}}\n"),
                          4, 22, "unknown class 'wbe' (did you mean 'web'?)"));
  EXPECT_TRUE(
      HasOneError(load("workloads:\n  - {name: w, class: best-efort, match: {cgroup: /a}}\n"), 2,
                  22, "(did you mean 'best-effort'?)"));
}

TEST(ConfigErrors, BadGlobInMatch) {
  EXPECT_TRUE(HasOneError(
      load("workloads:\n  - name: w\n    class: throughput\n    match: {cgroup: \"a[b\"}\n"), 4, 21,
      "bad glob 'a[b' in 'cgroup'"));
  EXPECT_TRUE(HasOneError(load("workloads:\n  - name: w\n    class: throughput\n"
                               "    match: {kubernetes: {pod: \"x**\"}}\n"),
                          4, 31, "bad glob 'x**' in 'pod'"));
}

TEST(ConfigErrors, DuplicateWorkloadName) {
  EXPECT_TRUE(HasOneError(load("workloads:\n"
                               "  - {name: w, class: throughput, match: {cgroup: /a}}\n"
                               "  - {name: w, class: throughput, match: {cgroup: /b}}\n"),
                          3, 12, "workload 'w' is defined twice (first at line 2)"));
}

TEST(ConfigErrors, DuplicateClassName) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: web, kind: throughput}\n"
                               "  - {name: web, kind: best-effort}\n"),
                          3, 12, "class 'web' is defined twice (first at line 2)"));
}

TEST(ConfigErrors, CgroupRootOutsideTheCgroupMount) {
  EXPECT_TRUE(HasOneError(load("agent:\n  cgroup_roots: [/sys/fs/cgroupx]\n"), 2, 18,
                          "cgroup root '/sys/fs/cgroupx' is outside /sys/fs/cgroup"));
  EXPECT_TRUE(
      HasOneError(load("agent:\n  cgroup_roots: [/etc]\n"), 2, 18, "outside /sys/fs/cgroup"));
}

TEST(ConfigErrors, RelativeCgroupRoot) {
  EXPECT_TRUE(HasOneError(load("agent:\n  cgroup_roots:\n    - sys/fs/cgroup\n"), 3, 7,
                          "'cgroup_roots' must be an absolute path, not 'sys/fs/cgroup'"));
}

TEST(ConfigErrors, CgroupRootWithDotDot) {
  EXPECT_TRUE(HasOneError(load("agent:\n  cgroup_roots: [/sys/fs/cgroup/../../etc]\n"), 2, 18,
                          "'cgroup_roots' must not contain '..'"));
}

TEST(ConfigErrors, EmptyCgroupRootList) {
  EXPECT_TRUE(HasOneError(load("agent:\n  cgroup_roots: []\n"), 2, 17,
                          "'cgroup_roots' needs at least one directory"));
}

TEST(ConfigErrors, RelativeStateDirAndJournal) {
  EXPECT_TRUE(HasOneError(load("agent:\n  state_dir: var/lib/dwae\n"), 2, 14,
                          "'state_dir' must be an absolute path, not 'var/lib/dwae'"));
  EXPECT_TRUE(HasOneError(load("agent:\n  journal: journal.json\n"), 2, 12,
                          "'journal' must be an absolute path"));
}

TEST(ConfigErrors, DurationWithUnknownUnit) {
  EXPECT_TRUE(HasOneError(load("agent:\n  period: 200mss\n"), 2, 11,
                          "'period': unknown duration unit 'mss'"));
}

TEST(ConfigErrors, DurationWithoutUnit) {
  EXPECT_TRUE(
      HasOneError(load("agent:\n  period: 200\n"), 2, 11, "'period': duration needs a unit"));
}

TEST(ConfigErrors, SizeWithUnknownUnit) {
  EXPECT_TRUE(HasOneError(
      load("classes:\n  - {name: t, kind: throughput, defaults: {memory_low: 512MiBs}}\n"), 2, 56,
      "'memory_low': unknown size unit 'MiBs'"));
}

TEST(ConfigErrors, UnknownPolicyNameSuggestsOne) {
  EXPECT_TRUE(HasOneError(load("policy:\n  name: feedbak\n"), 2, 9,
                          "unknown policy 'feedbak'; expected static, rule, feedback or ppo "
                          "(did you mean 'feedback'?)"));
}

TEST(ConfigErrors, PpoPolicyWithoutModel) {
  EXPECT_TRUE(
      HasOneError(load("policy:\n  name: ppo\n"), 2, 9, "policy 'ppo' needs a 'model' file"));
}

TEST(ConfigErrors, UnknownClassKindSuggestsOne) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: web, kind: latency}\n"), 2, 23,
                          "unknown class kind 'latency'"));
  EXPECT_TRUE(HasOneError(load("classes:\n  - {name: web, kind: best_effort}\n"), 2, 23,
                          "(did you mean 'best-effort'?)"));
}

TEST(ConfigErrors, MatchWithoutAnyMatcher) {
  EXPECT_TRUE(HasOneError(load("workloads:\n  - name: w\n    class: throughput\n    match: {}\n"),
                          4, 12, "'match' needs exactly one of cgroup, systemd_unit"));
}

TEST(ConfigErrors, MatchWithTwoMatchers) {
  EXPECT_TRUE(HasOneError(load("workloads:\n  - name: w\n    class: throughput\n    match:\n"
                               "      cgroup: /a\n      systemd_unit: a.service\n"),
                          6, 7, "'match' has both 'cgroup' and 'systemd_unit'"));
}

TEST(ConfigErrors, BadMetricsAddress) {
  EXPECT_TRUE(HasOneError(load("agent:\n  metrics_address: localhost\n"), 2, 20,
                          "bad 'metrics_address' 'localhost': expected host:port"));
  EXPECT_TRUE(HasOneError(load("agent:\n  metrics_address: 127.0.0.1:70000\n"), 2, 20,
                          "the port must be a number from 1 to 65535"));
  EXPECT_TRUE(
      HasOneError(load("agent:\n  metrics_address: \":9464\"\n"), 2, 20, "the host is empty"));
}

TEST(ConfigErrors, UnknownKubernetesQosSuggestsOne) {
  EXPECT_TRUE(HasOneError(load("workloads:\n  - name: w\n    class: throughput\n"
                               "    match: {kubernetes: {qos: bursty}}\n"),
                          4, 31,
                          "unknown kubernetes qos 'bursty'; expected guaranteed, burstable or "
                          "besteffort"));
}

TEST(ConfigErrors, SlaKeyThatDoesNotApplyToTheClassKind) {
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: bulk\n    kind: best-effort\n"
                               "    sla: {p99_latency: 20ms}\n"),
                          4, 11,
                          "'p99_latency' applies to latency-sensitive classes, not best-effort"));
  EXPECT_TRUE(HasOneError(load("classes:\n  - name: web\n    kind: latency-sensitive\n"
                               "    sla: {throughput_cv: 0.1}\n"),
                          4, 11, "'throughput_cv' applies to throughput classes"));
}

TEST(ConfigErrors, OversizedInputIsRefusedBeforeParsing) {
  const std::string big = "# " + std::string(1024 * 1024, 'x') + "\n";
  EXPECT_TRUE(HasOneError(load(big), 1, 1, "the limit is 1 MiB"));
}

TEST(ConfigErrors, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = "agent: " + std::string(100, '[') + std::string(100, ']') + "\n";
  EXPECT_TRUE(HasOneError(load(deep), 1, 1, "config nests too deeply"));
}

TEST(ConfigErrors, EveryProblemIsReportedInFileOrder) {
  const auto result = load(
      "workloads:\n"
      "  - {name: w, class: nope, match: {cgroup: /a}}\n"
      "agent:\n"
      "  period: 1ms\n"
      "  hysteresis: 5\n"
      "policy: {name: magic}\n");
  ASSERT_EQ(result.diagnostics.size(), 4u) << all_diagnostics(result);
  EXPECT_EQ(result.diagnostics[0].where.line, 2);
  EXPECT_EQ(result.diagnostics[1].where.line, 4);
  EXPECT_EQ(result.diagnostics[2].where.line, 5);
  EXPECT_EQ(result.diagnostics[3].where.line, 6);
  EXPECT_FALSE(result.ok());
}

TEST(ConfigErrors, DiagnosticFormatNamesFileLineAndColumn) {
  const auto result = load("agent:\n  period: 10ms\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].format(),
            "test.yaml:2:11: 'period' must be between 50ms and 10s (got 10ms)");
}

}  // namespace
}  // namespace dwae::config::test
