// Metrics: the exposition carries what a tick saw, in Prometheus conventions, and promtool
// accepts it.
#include "dwae/agent/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "agent/agent_test_support.h"
#include "dwae/agent/control_loop.h"
#include "dwae/policy/ppo_policy.h"
#include "policy/tiny_policy.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae::agent {
namespace {

TickResult tick_with_two_workloads() {
  TickResult t;
  t.ok = true;
  t.duration = std::chrono::microseconds(1500);
  WorkloadInfo ls =
      fixtures::info("web \"1\"", "latency-sensitive", WorkloadClassKind::kLatencySensitive);
  ls.p99_target = std::chrono::milliseconds(5);
  WorkloadInfo be = fixtures::info("batch", "best-effort", WorkloadClassKind::kBestEffort);
  t.workloads = {ls, be};
  WorkloadSample a;
  a.name = ls.name;
  a.cpu_usage_ns = 2'500'000'000;
  a.has_runq_delay = true;
  a.runq_delay_ns.add(4'000, 90);
  a.runq_delay_ns.add(3'000'000, 10);
  a.runq_delay_total_ns = 30'360'000;
  a.has_psi = true;
  a.psi.cpu_some_us = 1'500'000;
  a.applied.cpu_weight = 250;
  a.applied.cpu_quota_us = 50'000;
  a.applied.cpu_period_us = 100'000;
  WorkloadSample b;
  b.name = be.name;
  b.applied.cpu_idle = true;
  b.memory_current_bytes = 1 << 20;
  t.sample.workloads = {a, b};
  t.decision.workloads = {{ls.name, {}}};
  t.report.fields = {{ls.name, "cpu.weight", true, ""}, {"batch", "cpu.idle", false, "EBUSY"}};
  t.report.workloads_failed = 1;
  policy::WorkloadExplanation e;
  e.workload = ls.name;
  e.guards = {{"rate-limit", "cpu.weight", ""}, {"ood", "", ""}};
  t.explanations = {e};
  return t;
}

bool contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(Metrics, RendersWhatTheTickSaw) {
  Metrics m;
  m.set_info("feedback", false);
  m.observe(tick_with_two_workloads());
  m.count_reload(false);
  const std::string text = m.render();
  const std::string ls = R"(workload="web \"1\"",class="latency-sensitive")";
  EXPECT_TRUE(contains(text, "dwae_info{policy=\"feedback\",mode=\"enforce\"} 1\n"));
  EXPECT_TRUE(contains(text, "dwae_ticks_total 1\n"));
  EXPECT_TRUE(contains(text, "dwae_decisions_total{policy=\"feedback\"} 1\n"));
  EXPECT_TRUE(contains(text, "dwae_write_errors_total 1\n"));
  EXPECT_TRUE(contains(text, "dwae_rollbacks_total 1\n"));
  EXPECT_TRUE(contains(text, "dwae_guard_actions_total{guard=\"rate-limit\"} 1\n"));
  EXPECT_TRUE(contains(text, "dwae_policy_fallbacks_total 1\n"));
  EXPECT_TRUE(contains(text, "dwae_config_reloads_total{result=\"error\"} 1\n"));
  EXPECT_TRUE(contains(text, "dwae_workload_cpu_usage_seconds_total{" + ls + "} 2.5\n"));
  EXPECT_TRUE(contains(text, "dwae_workload_cpu_weight{" + ls + "} 250\n"));
  EXPECT_TRUE(contains(text, "dwae_workload_cpu_quota_cores{" + ls + "} 0.5\n"));
  EXPECT_TRUE(contains(text, "dwae_workload_sla_p99_target_seconds{" + ls + "} 0.005\n"));
  EXPECT_TRUE(contains(text, "dwae_workload_pressure_stalled_seconds_total{" + ls +
                                 ",resource=\"cpu\",kind=\"some\"} 1.5\n"));
  EXPECT_TRUE(contains(text, "dwae_workload_runqueue_delay_seconds_count{" + ls + "} 100\n"));
  EXPECT_TRUE(
      contains(text, "dwae_workload_cpu_idle{workload=\"batch\",class=\"best-effort\"} 1\n"));
  EXPECT_TRUE(contains(text, "dwae_loop_duration_seconds_bucket{le=\"0.0025\"} 1\n"));
  EXPECT_TRUE(contains(text, "dwae_loop_duration_seconds_bucket{le=\"0.001\"} 0\n"));
  EXPECT_TRUE(contains(text, "dwae_workloads{class=\"best-effort\"} 1\n"));
  // No quota on "batch": the series is absent rather than a made-up number.
  EXPECT_FALSE(contains(text, "dwae_workload_cpu_quota_cores{workload=\"batch\""));
}

TEST(Metrics, QuantilesCoverOnlyTheRecentWindow) {
  Metrics m(2);
  TickResult t = tick_with_two_workloads();
  m.observe(t);
  // Three more ticks in which the workload only saw short waits: the 3 ms waits of the first
  // tick leave the two-tick window.
  for (int i = 0; i < 3; ++i) {
    t.sample.workloads[0].runq_delay_ns.add(4'000, 100);
    m.observe(t);
  }
  const std::string text = m.render();
  const auto at = text.find(
      "dwae_workload_runqueue_delay_seconds{workload=\"web \\\"1\\\"\","
      "class=\"latency-sensitive\",quantile=\"0.99\"} ");
  ASSERT_NE(at, std::string::npos) << text;
  const double p99 = std::strtod(text.c_str() + text.find("} ", at) + 2, nullptr);
  EXPECT_GT(p99, 2e-6);
  EXPECT_LT(p99, 8.2e-6);
}

// A workload whose run-queue delay is not observed has no run-queue series at all: no quantile
// made from an empty (or stale) histogram, no count of 0, and no sum either, although without
// eBPF the sample carries schedstat's run-delay total (a level with no wait count to go with it).
TEST(Metrics, AWorkloadWithoutRunQueueDelayHasNoRunQueueSeries) {
  Metrics m;
  TickResult t = tick_with_two_workloads();
  WorkloadSample& batch = t.sample.workloads[1];
  ASSERT_EQ(batch.name, "batch");
  batch.has_runq_delay = false;
  batch.runq_delay_total_ns = 5'000'000'000;
  batch.runq_delay_ns.add(2'000'000, 40);
  m.observe(t);
  batch.runq_delay_ns.add(2'000'000, 40);
  m.observe(t);
  const std::string text = m.render();
  const std::string be = R"(workload="batch",class="best-effort")";
  EXPECT_TRUE(contains(text, "dwae_workload_cpu_usage_seconds_total{" + be + "} 0\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE dwae_workload_runqueue_delay_seconds summary\n")) << text;
  EXPECT_TRUE(contains(text, "dwae_workload_runqueue_delay_seconds_count{workload=\"web")) << text;
  EXPECT_FALSE(contains(text, "dwae_workload_runqueue_delay_seconds{" + be)) << text;
  EXPECT_FALSE(contains(text, "dwae_workload_runqueue_delay_seconds_sum{" + be)) << text;
  EXPECT_FALSE(contains(text, "dwae_workload_runqueue_delay_seconds_count{" + be)) << text;
}

TEST(Metrics, FailedTicksCountAndKeepTheLastWorkloads) {
  Metrics m;
  m.observe(tick_with_two_workloads());
  TickResult failed;
  failed.error = "sample: boom";
  m.observe(failed);
  const std::string text = m.render();
  EXPECT_TRUE(contains(text, "dwae_tick_failures_total 1\n"));
  EXPECT_TRUE(contains(text, "dwae_ticks_total 2\n"));
  EXPECT_TRUE(contains(text, "dwae_workload_cpu_weight{"));
}

TEST(Metrics, APolicyChangedByAReloadCountsItsDecisionsFromZero) {
  Metrics m;
  m.set_info("rule", false);
  m.observe(tick_with_two_workloads());
  m.observe(tick_with_two_workloads());
  m.set_info("feedback", false);
  std::string text = m.render();
  EXPECT_TRUE(contains(text, "dwae_decisions_total{policy=\"rule\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "dwae_decisions_total{policy=\"feedback\"} 0\n")) << text;
  m.observe(tick_with_two_workloads());
  text = m.render();
  EXPECT_TRUE(contains(text, "dwae_decisions_total{policy=\"rule\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "dwae_decisions_total{policy=\"feedback\"} 1\n")) << text;
}

// One latency-sensitive workload on 8 CPUs, inside the tiny network's training range: 2 CPUs
// busy and 8 ms of run-queue delay per wakeup each 200 ms tick. Applies nothing.
class OneWorkloadHost final : public HostSource, public Actuator {
 public:
  Result<std::vector<WorkloadInfo>> workloads() override {
    WorkloadInfo ls = fixtures::info("ls", "web", WorkloadClassKind::kLatencySensitive);
    ls.priority = 90;
    ls.p99_target = std::chrono::milliseconds(10);
    return std::vector<WorkloadInfo>{ls};
  }
  Result<HostSample> sample() override {
    ++ticks_;
    w_.name = "ls";
    w_.has_runq_delay = true;
    w_.applied.cpu_weight = 200;
    w_.applied.io_weight = 400;
    w_.cpu_usage_ns += 400'000'000;
    w_.runq_delay_ns.add(8'000'000, 100);
    HostSample s;
    s.at = std::chrono::milliseconds(200) * ticks_;
    s.cpus = 8;
    s.memory_total_bytes = 32ull << 30;
    s.workloads = {w_};
    return s;
  }
  ApplyReport apply(const Decision&) override { return {}; }
  Status restore() override { return Status::success(); }

 private:
  WorkloadSample w_;
  int ticks_ = 0;
};

// A network whose outputs are NaN: each workload-tick the shield held is counted, and a reload
// that replaces the policy (whose own count starts again at 0) never makes the counter go back.
TEST(Metrics, NonFiniteModelOutputsAreCounted) {
  policy::AdaptiveSetup setup;
  setup.facts.cpus = 8;
  setup.facts.memory_total_bytes = 32ull << 30;
  policy::PpoPolicy first(setup, policy::tiny::overflowing_policy());
  OneWorkloadHost host;
  ManualClock clock;
  ControlLoop loop(host, host, first, clock);
  Metrics m;
  m.set_info(first.name(), false);
  EXPECT_TRUE(contains(m.render(), "dwae_policy_non_finite_outputs_total 0\n"));
  for (int i = 0; i < 3; ++i) m.observe(loop.tick());
  ASSERT_EQ(first.non_finite_outputs(), 2u);  // the first tick applies the configured settings
  std::string text = m.render();
  EXPECT_TRUE(contains(text, "# TYPE dwae_policy_non_finite_outputs_total counter\n")) << text;
  EXPECT_TRUE(contains(text, "# HELP dwae_policy_non_finite_outputs_total ")) << text;
  EXPECT_TRUE(contains(text, "dwae_policy_non_finite_outputs_total 2\n")) << text;

  policy::PpoPolicy second(setup, policy::tiny::overflowing_policy());
  loop.set_policy(second);
  for (int i = 0; i < 3; ++i) m.observe(loop.tick());
  ASSERT_GT(second.non_finite_outputs(), 0u);
  text = m.render();
  EXPECT_TRUE(contains(text, "dwae_policy_non_finite_outputs_total " +
                                 std::to_string(2 + second.non_finite_outputs()) + "\n"))
      << text;
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(Metrics, PromtoolAcceptsTheExposition) {
  Metrics m;
  m.set_info("rule", true);
  m.observe(tick_with_two_workloads());
  test::TempDir dir;
  const std::string path = dir.path() + "/metrics.txt";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    const std::string text = m.render();
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  const auto r = test::run_process({"sh", "-c", "promtool check metrics < " + path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "") << r.err;
}

}  // namespace
}  // namespace dwae::agent
