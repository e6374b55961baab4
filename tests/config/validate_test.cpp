// What a valid config turns into: values, units, defaults and the built-in classes.
#include <chrono>
#include <limits>

#include "config_test_util.h"

namespace dwae::config::test {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

TEST(ConfigValidate, MinimalConfigGetsEveryDefault) {
  const auto result = load("policy: {name: static}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  const auto& agent = result.config->agent;
  EXPECT_EQ(agent.period, 200ms);
  EXPECT_FALSE(agent.dry_run);
  EXPECT_EQ(agent.cgroup_roots, std::vector<std::string>{"/sys/fs/cgroup"});
  EXPECT_EQ(agent.state_dir, "/var/lib/dwae");
  EXPECT_EQ(agent.journal_path, "");  // in the state directory, wherever it ends up
  EXPECT_EQ(agent.metrics_address, "127.0.0.1:9464");
  EXPECT_DOUBLE_EQ(agent.hysteresis, 0.02);
  EXPECT_DOUBLE_EQ(agent.max_step, 0.25);
  EXPECT_EQ(result.config->policy.kind, PolicyKind::kStatic);
  EXPECT_TRUE(result.config->workloads.empty());
}

TEST(ConfigValidate, BuiltInClassesAlwaysExistWithTheirSlaTargets) {
  const auto result = load("agent: {}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  const auto* ls = result.config->find_class("latency-sensitive");
  const auto* tp = result.config->find_class("throughput");
  const auto* be = result.config->find_class("best-effort");
  ASSERT_TRUE(ls && tp && be);
  EXPECT_EQ(ls->kind, ClassKind::kLatencySensitive);
  EXPECT_EQ(ls->sla.p99_latency, 20ms);
  EXPECT_EQ(tp->kind, ClassKind::kThroughput);
  EXPECT_DOUBLE_EQ(tp->sla.throughput_cv.value(), 0.15);
  EXPECT_EQ(be->kind, ClassKind::kBestEffort);
  EXPECT_EQ(result.config->classes.size(), 3u);
}

TEST(ConfigValidate, AClassNamedLikeABuiltInReplacesIt) {
  const auto result = load(
      "classes:\n  - {name: throughput, kind: throughput, priority: 70, "
      "sla: {throughput_cv: 0.05}}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  EXPECT_EQ(result.config->classes.size(), 3u);
  const auto* tp = result.config->find_class("throughput");
  ASSERT_NE(tp, nullptr);
  EXPECT_EQ(tp->priority, 70);
  EXPECT_DOUBLE_EQ(tp->sla.throughput_cv.value(), 0.05);
}

TEST(ConfigValidate, AgentValuesAreConvertedToTheirUnits) {
  const auto result = load(
      "agent:\n"
      "  period: 1.5s\n"
      "  dry_run: true\n"
      "  cgroup_roots: [/sys/fs/cgroup/machine.slice/, /sys/fs/cgroup//kubepods.slice]\n"
      "  state_dir: /run/dwae/\n"
      "  metrics_address: \"[::1]:9000\"\n"
      "  hysteresis: 0\n"
      "  max_step: 10\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  const auto& agent = result.config->agent;
  EXPECT_EQ(agent.period, 1500ms);
  EXPECT_TRUE(agent.dry_run);
  EXPECT_EQ(agent.cgroup_roots, (std::vector<std::string>{"/sys/fs/cgroup/machine.slice",
                                                          "/sys/fs/cgroup/kubepods.slice"}));
  EXPECT_EQ(agent.state_dir, "/run/dwae");
  EXPECT_EQ(agent.journal_path, "");
  EXPECT_EQ(agent.metrics_address, "[::1]:9000");
  EXPECT_DOUBLE_EQ(agent.hysteresis, 0);
  EXPECT_DOUBLE_EQ(agent.max_step, 10);
}

TEST(ConfigValidate, EmptyMetricsAddressDisablesTheEndpoint) {
  const auto result = load("agent: {metrics_address: \"\"}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  EXPECT_EQ(result.config->agent.metrics_address, "");
}

TEST(ConfigValidate, ExplicitJournalIsKept) {
  const auto result = load("agent: {state_dir: /srv/dwae, journal: /var/log/dwae.json}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  EXPECT_EQ(result.config->agent.journal_path, "/var/log/dwae.json");
}

TEST(ConfigValidate, PpoPolicyKeepsItsModelPath) {
  const auto result = load("policy: {name: ppo, model: models/default.policy}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  EXPECT_EQ(result.config->policy.kind, PolicyKind::kPpo);
  EXPECT_EQ(result.config->policy.model_path, "models/default.policy");
}

TEST(ConfigValidate, PpoPolicyKnowsWhereItsModelIsWritten) {
  // check-config reports a problem with the model file at this position.
  const auto result = load("policy:\n  name: ppo\n  model: m.policy\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  EXPECT_EQ(result.config->policy.model_where.line, 3);
  EXPECT_EQ(result.config->policy.model_where.column, 10);
}

TEST(ConfigValidate, ClassBoundsDefaultsAndSlaAreFilledIn) {
  const auto result = load(
      "classes:\n"
      "  - name: web\n"
      "    kind: latency-sensitive\n"
      "    priority: 50\n"
      "    sla: {p99_latency: 5ms, min_throughput: 1000}\n"
      "    bounds:\n"
      "      cpu_weight: {min: 100, max: 10000}\n"
      "      cpu_quota: {min: 0.5, max: 4}\n"
      "      memory_low: {min: 256MiB, max: 4GiB}\n"
      "      memory_high: {min: 512MiB, max: max}\n"
      "      io_weight: {min: 100, max: 1000}\n"
      "      net_share: {min: 0.1, max: 0.7}\n"
      "    defaults: {cpu_weight: 100, cpu_quota: 2, cpu_idle: false, memory_low: 256MiB,\n"
      "               memory_high: max, io_weight: 100}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  const auto* web = result.config->find_class("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->kind, ClassKind::kLatencySensitive);
  EXPECT_EQ(web->priority, 50);
  EXPECT_EQ(web->sla.p99_latency, 5ms);
  EXPECT_DOUBLE_EQ(web->sla.min_throughput.value(), 1000);
  EXPECT_FALSE(web->sla.throughput_cv.has_value());
  EXPECT_DOUBLE_EQ(web->bounds.cpu_weight->min, 100);
  EXPECT_DOUBLE_EQ(web->bounds.cpu_quota_cores->max, 4);
  EXPECT_DOUBLE_EQ(web->bounds.memory_low_bytes->min, static_cast<double>(256 * kMiB));
  EXPECT_DOUBLE_EQ(web->bounds.memory_low_bytes->max, static_cast<double>(4 * kGiB));
  EXPECT_DOUBLE_EQ(web->bounds.net_share->max, 0.7);
  EXPECT_EQ(web->defaults.cpu_weight, 100u);
  EXPECT_EQ(web->defaults.cpu_quota_cores, 2.0);
  EXPECT_EQ(web->defaults.cpu_idle, false);
  EXPECT_EQ(web->defaults.memory_low_bytes, 256 * kMiB);
  EXPECT_EQ(web->defaults.memory_high_bytes, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(web->defaults.io_weight, 100u);
  EXPECT_EQ(web->where.line, 2);
  EXPECT_EQ(web->where.column, 5);
  EXPECT_EQ(web->where.file, "test.yaml");
}

TEST(ConfigValidate, UserClassWithoutSlaGetsTheDefaultTargetOfItsKind) {
  const auto result = load(
      "classes:\n  - {name: a, kind: latency-sensitive}\n"
      "  - {name: b, kind: throughput}\n  - {name: c, kind: best-effort}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  EXPECT_EQ(result.config->find_class("a")->sla.p99_latency, 20ms);
  EXPECT_DOUBLE_EQ(result.config->find_class("b")->sla.throughput_cv.value(), 0.15);
  EXPECT_FALSE(result.config->find_class("c")->sla.p99_latency.has_value());
  EXPECT_FALSE(result.config->find_class("c")->sla.throughput_cv.has_value());
}

TEST(ConfigValidate, EachMatcherKindIsRecognised) {
  const auto result = load(
      "workloads:\n"
      "  - {name: a, class: throughput, match: {cgroup: /system.slice/redis-server.service}}\n"
      "  - {name: b, class: throughput, match: {systemd_unit: nginx*.service}}\n"
      "  - {name: c, class: throughput, match: {libvirt_domain: vm-*}}\n"
      "  - {name: d, class: throughput, match: {kubernetes: {qos: BestEffort, pod: abc-*}}}\n"
      "  - {name: e, class: throughput, match: {kubernetes: {}}}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  const auto& w = result.config->workloads;
  ASSERT_EQ(w.size(), 5u);
  EXPECT_EQ(w[0].match.kind, MatchRule::Kind::kCgroup);
  EXPECT_EQ(w[0].match.pattern, "/system.slice/redis-server.service");
  EXPECT_EQ(w[1].match.kind, MatchRule::Kind::kSystemdUnit);
  EXPECT_EQ(w[1].match.pattern, "nginx*.service");
  EXPECT_EQ(w[2].match.kind, MatchRule::Kind::kLibvirtDomain);
  EXPECT_EQ(w[2].match.pattern, "vm-*");
  EXPECT_EQ(w[3].match.kind, MatchRule::Kind::kKubernetes);
  EXPECT_EQ(w[3].match.pattern, "abc-*");
  EXPECT_EQ(w[3].match.k8s_qos, "besteffort");  // Kubernetes' own spelling is accepted
  EXPECT_EQ(w[4].match.pattern, "*");
  EXPECT_EQ(w[4].match.k8s_qos, "");
  EXPECT_EQ(w[4].where.line, 6);
}

TEST(ConfigValidate, WorkloadSettingsOverrideWithinClassBounds) {
  const auto result = load(
      "classes:\n"
      "  - {name: web, kind: latency-sensitive, bounds: {cpu_weight: {min: 100, max: 1000}}}\n"
      "workloads:\n"
      "  - name: redis\n"
      "    class: web\n"
      "    match: {cgroup: /system.slice/redis-server.service}\n"
      "    settings: {cpu_weight: 1000, cpu_idle: true, memory_high: 2GiB}\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  const auto& rule = result.config->workloads.at(0);
  EXPECT_EQ(rule.name, "redis");
  EXPECT_EQ(rule.class_name, "web");
  EXPECT_EQ(rule.settings.cpu_weight, 1000u);
  EXPECT_EQ(rule.settings.cpu_idle, true);
  EXPECT_EQ(rule.settings.memory_high_bytes, 2 * kGiB);
  EXPECT_FALSE(rule.settings.io_weight.has_value());
}

TEST(ConfigValidate, NullSectionsAreTreatedAsEmpty) {
  const auto result = load("agent:\npolicy:\nclasses:\nworkloads:\n");
  ASSERT_TRUE(result.ok()) << all_diagnostics(result);
  EXPECT_EQ(result.config->classes.size(), 3u);
}

}  // namespace
}  // namespace dwae::config::test
