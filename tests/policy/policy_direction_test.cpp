// Direction of the adaptive policies: a latency-sensitive workload under CPU pressure gets more
// weight and best-effort gets less; a calm host gives it back; every change is explained.
#include <gtest/gtest.h>

#include <memory>

#include "dwae/policy/feedback_policy.h"
#include "dwae/policy/rule_policy.h"

namespace dwae::policy {
namespace {

constexpr Nanos kTick{200'000'000};

std::vector<WorkloadInfo> infos() {
  std::vector<WorkloadInfo> out(3);
  out[0].name = "ls";
  out[0].class_kind = WorkloadClassKind::kLatencySensitive;
  out[0].priority = 90;
  out[0].p99_target = Nanos{10'000'000};
  out[1].name = "tp";
  out[1].class_kind = WorkloadClassKind::kThroughput;
  out[2].name = "be";
  out[2].class_kind = WorkloadClassKind::kBestEffort;
  return out;
}

// A host of 8 CPUs; under pressure every workload is busy and ls waits 8 ms per wakeup.
class FakeHost {
 public:
  HostSample next(bool pressure) {
    ++ticks_;
    for (auto& w : state_) {
      w.cpu_usage_ns += pressure ? 530'000'000 : 100'000'000;  // 2.65 CPUs each, or 0.5
      w.has_runq_delay = true;
      w.has_psi = true;
      if (w.name == "ls") {
        w.runq_delay_ns.add(pressure ? 8'000'000 : 20'000, 100);
        w.psi.cpu_some_us += pressure ? 100'000 : 1'000;
        w.psi.memory_some_us += memory_pressure ? 40'000 : 0;  // 20 % of the tick
        w.memory_current_bytes = 1ull << 30;
      }
    }
    HostSample s;
    s.at = kTick * ticks_;
    s.cpus = 8;
    s.memory_total_bytes = 32ull << 30;
    s.workloads = state_;
    return s;
  }
  void apply(const Decision& d) {
    for (const auto& wd : d.workloads) {
      for (auto& w : state_) {
        if (w.name != wd.workload) continue;
        if (wd.targets.cpu_weight) w.applied.cpu_weight = wd.targets.cpu_weight;
        if (wd.targets.cpu_idle) w.applied.cpu_idle = wd.targets.cpu_idle;
        if (wd.targets.memory_low_bytes) w.applied.memory_low_bytes = wd.targets.memory_low_bytes;
      }
    }
  }
  uint64_t memory_low(const std::string& name) const {
    for (const auto& w : state_) {
      if (w.name == name) return w.applied.memory_low_bytes.value_or(0);
    }
    return 0;
  }
  bool memory_pressure = false;
  uint32_t weight(const std::string& name) const {
    for (const auto& w : state_) {
      if (w.name == name) return w.applied.cpu_weight.value_or(100);
    }
    return 0;
  }
  bool idle(const std::string& name) const {
    for (const auto& w : state_) {
      if (w.name == name) return w.applied.cpu_idle.value_or(false);
    }
    return false;
  }

 private:
  int64_t ticks_ = 0;
  std::vector<WorkloadSample> state_{[] {
    std::vector<WorkloadSample> v(3);
    v[0].name = "ls";
    v[1].name = "tp";
    v[2].name = "be";
    return v;
  }()};
};

void run(AdaptivePolicy& policy, FakeHost& host, bool pressure, int ticks) {
  const auto wl = infos();
  for (int i = 0; i < ticks; ++i) {
    const Decision d = policy.decide(host.next(pressure), wl);
    ASSERT_EQ(d.workloads.size(), policy.last().explanations.size());
    for (const auto& why : policy.last().explanations) EXPECT_EQ(why.policy, policy.name());
    host.apply(d);
  }
}

TEST(RulePolicy, PressureRaisesLatencySensitiveAndSuppressesBestEffort) {
  RulePolicy policy(AdaptiveSetup{});
  FakeHost host;
  run(policy, host, false, 3);
  EXPECT_EQ(host.weight("ls"), 100u);
  run(policy, host, true, 10);
  EXPECT_GT(host.weight("ls"), 500u);
  EXPECT_LT(host.weight("be"), 100u);
  EXPECT_TRUE(host.idle("be"));
  EXPECT_EQ(host.weight("tp"), 100u);  // rules leave throughput alone
}

TEST(RulePolicy, ExplanationNamesFeaturesAndGuards) {
  RulePolicy policy(AdaptiveSetup{});
  FakeHost host;
  run(policy, host, false, 2);
  const auto wl = infos();
  host.apply(policy.decide(host.next(true), wl));
  bool saw_ls = false;
  for (const auto& why : policy.last().explanations) {
    if (why.workload != "ls") continue;
    saw_ls = true;
    ASSERT_FALSE(why.features.empty());
    EXPECT_EQ(why.features[0].feature, "runq_p99");
    EXPECT_GT(why.features[0].value, 0.5);
    ASSERT_FALSE(why.guards.empty());  // 1.5x is more than the 25 % rate limit
    EXPECT_EQ(why.guards[0].guard, "rate-limit");
  }
  EXPECT_TRUE(saw_ls);
}

TEST(RulePolicy, MemoryPressureRaisesMemoryLowOfLatencySensitive) {
  RulePolicy policy(AdaptiveSetup{});
  FakeHost host;
  run(policy, host, false, 3);
  EXPECT_EQ(host.memory_low("ls"), 0u);
  host.memory_pressure = true;
  run(policy, host, false, 30);
  // Usage 1 GiB + 10 % headroom, reached in 64 MiB-or-25 % steps.
  EXPECT_EQ(host.memory_low("ls"), static_cast<uint64_t>(1.1 * (1ull << 30)));
  EXPECT_EQ(host.memory_low("be"), 0u);
}

TEST(FeedbackPolicy, PressureRaisesLatencySensitiveTakesFromBestEffortFirst) {
  FeedbackPolicy policy(AdaptiveSetup{});
  FakeHost host;
  run(policy, host, false, 3);
  EXPECT_EQ(host.weight("ls"), 100u);
  run(policy, host, true, 3);
  EXPECT_GT(host.weight("ls"), 100u);
  EXPECT_LT(host.weight("be"), 100u);
  run(policy, host, true, 20);
  EXPECT_GT(host.weight("ls"), 1000u);
  EXPECT_TRUE(host.idle("be"));
  EXPECT_LT(host.weight("tp"), 100u);  // sustained pressure reaches throughput too
  EXPECT_LE(host.weight("tp"), 100u);
}

TEST(FeedbackPolicy, AntiWindupBoundsTheIntegralAndCalmReleases) {
  FeedbackPolicy policy(AdaptiveSetup{});
  FakeHost host;
  run(policy, host, true, 200);  // 40 s of saturation
  const auto& c = policy.controllers().at("ls");
  EXPECT_LE(c.integral * FeedbackConfig{}.ki, FeedbackConfig{}.max_integral + 1e-9);
  EXPECT_LE(c.output, FeedbackConfig{}.max_output);
  const uint32_t saturated = host.weight("ls");
  run(policy, host, false, 150);  // 30 s calm: a bounded integral unwinds in finite time
  EXPECT_LT(host.weight("ls"), saturated);
  EXPECT_EQ(policy.controllers().at("ls").output, 0);
  EXPECT_GE(host.weight("be"), 90u);
  EXPECT_FALSE(host.idle("be"));
}

}  // namespace
}  // namespace dwae::policy
