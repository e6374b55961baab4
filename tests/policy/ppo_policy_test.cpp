// The PPO policy: a hand-built network gives known outputs and known proposals, a refused
// reload keeps the running network, out-of-distribution workloads fall back to feedback (counted
// and explained), and whatever a network says, the shield keeps the result inside bounds.
#include "dwae/policy/ppo_policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "dwae/features/features.h"
#include "dwae/policy/rule_policy.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"
#include "policy/tiny_policy.h"
#include "support/temp_dir.h"

namespace dwae::policy {
namespace {

using features::Feature;
using test::TempDir;
using tiny::overflowing_policy;
using tiny::tiny_policy;
using tiny::tiny_policy_expected;

constexpr Nanos kTick{200'000'000};

features::FeatureVector features_with(double cpu_use, double runq_p99) {
  features::FeatureVector f{};
  f[static_cast<size_t>(Feature::kCpuUse)] = cpu_use;
  f[static_cast<size_t>(Feature::kRunqP99)] = runq_p99;
  f[static_cast<size_t>(Feature::kPriority)] = 0.9;  // does not reach the network
  return f;
}

TEST(PpoPolicy, TinyNetworkGivesKnownOutputs) {
  PpoPolicy p({}, tiny_policy());
  for (const auto& [cpu, runq] : {std::pair{0.75, 0.5}, {0.0, 0.0}, {1.0, 1.0}, {0.5, 0.25}}) {
    const auto [y0, y1] = tiny_policy_expected(cpu, runq);
    const auto y = p.infer(features_with(cpu, runq));
    ASSERT_EQ(y.size(), 2u);
    EXPECT_NEAR(y[0], y0, 1e-6) << cpu << " " << runq;
    EXPECT_NEAR(y[1], y1, 1e-6) << cpu << " " << runq;
  }
  // Hand arithmetic for (0.75, 0.5): x = 0.5, h = (tanh 0.5, tanh 0) = (0.462117, 0),
  // y = (tanh 0.462117, tanh(0.231059 + 0.25)) = (0.431808, 0.447091).
  const auto y = p.infer(features_with(0.75, 0.5));
  EXPECT_NEAR(y[0], 0.431808, 1e-6);
  EXPECT_NEAR(y[1], 0.447091, 1e-6);
}

// One latency-sensitive workload on 8 CPUs: 2 CPUs busy, 8 ms run-queue delay per wakeup.
struct OneWorkload {
  std::vector<WorkloadInfo> infos{1};
  WorkloadSample w;
  int ticks = 0;
  OneWorkload() {
    infos[0].name = "ls";
    infos[0].class_kind = WorkloadClassKind::kLatencySensitive;
    infos[0].priority = 90;
    infos[0].p99_target = Nanos{10'000'000};
    w.name = "ls";
    w.has_runq_delay = true;
    w.applied.cpu_weight = 200;
    w.applied.io_weight = 400;  // above the class floor (100), so a cut shows
  }
  HostSample next() {
    ++ticks;
    w.cpu_usage_ns += 400'000'000;  // 2 CPUs over 200 ms
    w.runq_delay_ns.add(8'000'000, 100);
    HostSample s;
    s.at = kTick * ticks;
    s.cpus = 8;
    s.memory_total_bytes = 32ull << 30;
    s.workloads = {w};
    return s;
  }
};

AdaptiveSetup setup_for_8_cpus() {
  AdaptiveSetup s;
  s.facts.cpus = 8;
  s.facts.memory_total_bytes = 32ull << 30;
  return s;
}

TEST(PpoPolicy, ActionsMoveResourcesByBoundedRelativeChanges) {
  PpoPolicy p(setup_for_8_cpus(), tiny_policy());
  features::FeatureTracker tracker(setup_for_8_cpus().facts);
  OneWorkload host;
  for (int i = 0; i < 2; ++i) {
    const HostSample s = host.next();
    const auto entries = tracker.update(s, host.infos);
    const Decision d = p.decide(s, host.infos);
    if (entries.empty()) {
      EXPECT_TRUE(d.workloads.empty());
      continue;
    }
    const auto y = p.infer(entries[0].features);
    ASSERT_EQ(d.workloads.size(), 1u);
    const ResourceTargets& t = d.workloads[0].targets;
    ASSERT_TRUE(t.cpu_weight && t.io_weight);
    // applied x (1 + y x max change), kept whole by the shield.
    EXPECT_EQ(*t.cpu_weight,
              static_cast<uint32_t>(std::round(200 * (1 + 0.2 * static_cast<double>(y[0])))));
    EXPECT_EQ(*t.io_weight,
              static_cast<uint32_t>(std::round(400 * (1 + 0.1 * static_cast<double>(y[1])))));
    const auto& why = p.last().explanations.at(0);
    EXPECT_EQ(why.policy, "ppo");
    EXPECT_NE(why.reason.find("cpu.weight"), std::string::npos) << why.reason;
    ASSERT_FALSE(why.features.empty());
    EXPECT_TRUE(why.guards.empty());
    EXPECT_EQ(p.ood_fallbacks(), 0u);
    EXPECT_EQ(p.inferences(), 1u);
  }
}

TEST(PpoPolicy, OutOfDistributionFallsBackToFeedbackAndIsCounted) {
  PolicyModel m = tiny_policy();
  m.train_max[static_cast<size_t>(Feature::kCpuUse)] = 0.1F;  // trained on idle hosts only
  PpoPolicy p(setup_for_8_cpus(), m);
  OneWorkload host;
  std::vector<uint32_t> weights;
  for (int i = 0; i < 4; ++i) {
    const HostSample s = host.next();
    const Decision d = p.decide(s, host.infos);
    for (const auto& wd : d.workloads) {
      if (wd.targets.cpu_weight) host.w.applied.cpu_weight = wd.targets.cpu_weight;
    }
    if (i == 0) continue;
    // cpu_use 0.25 > 0.1 + 0.05: feedback decides; 8 ms delay against a 1 ms budget raises the
    // weight by the shield's 25 % per tick.
    ASSERT_EQ(d.workloads.size(), 1u) << i;
    const auto& why = p.last().explanations.at(0);
    ASSERT_EQ(why.guards.size(), 2u);  // ood, then the shield's rate limit
    EXPECT_EQ(why.guards[0].guard, "ood");
    EXPECT_NE(why.guards[0].detail.find("cpu_use = 0.250 outside the training range"),
              std::string::npos)
        << why.guards[0].detail;
    EXPECT_NE(why.reason.find("feedback fallback"), std::string::npos) << why.reason;
    EXPECT_EQ(why.features.at(0).feature, "cpu_use");
    EXPECT_EQ(p.ood_fallbacks(), static_cast<uint64_t>(i));
    weights.push_back(*host.w.applied.cpu_weight);
  }
  EXPECT_EQ(weights, (std::vector<uint32_t>{250, 312, 390}));
}

TEST(PpoPolicy, NonFiniteNetworkOutputIsHeldAndCounted) {
  const PolicyModel m = overflowing_policy();
  ASSERT_FALSE(validate(m).ok());
  for (const bool avx2 : {false, true}) {
    // Both kernels give NaN (the AVX2 tanh used to clamp NaN to +8, i.e. tanh ~ +1).
    const Mlp mlp(build_mlp(m).layers(), avx2);
    std::vector<float> x(32, 0.25F), y(2);
    mlp.forward(x.data(), y.data());
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]))
        << "avx2 " << mlp.uses_avx2() << ": " << y[0] << " " << y[1];
  }
  PpoPolicy p(setup_for_8_cpus(), m);
  OneWorkload host;
  host.w.applied.memory_low_bytes = 1ull << 30;
  for (int i = 0; i < 3; ++i) {
    const HostSample s = host.next();
    const Decision d = p.decide(s, host.infos);
    if (i == 0) continue;  // the first tick applies the configured settings
    // Every proposal is NaN, which the shield holds at the applied value: nothing moves (it
    // used to be +20 % cpu.weight and +10 % io.weight every tick).
    EXPECT_TRUE(d.workloads.empty()) << i << ": " << d.workloads.size();
    EXPECT_EQ(p.non_finite_outputs(), static_cast<uint64_t>(i));
    EXPECT_EQ(p.ood_fallbacks(), 0u);
  }
}

// The explanation ranks features by |x_j| x ||W1[:, j]||. A column of weights 1e30 (a valid
// network: tanh bounds the layer) has a norm that overflows float; with x_j = 0 that was
// 0 x inf = NaN, which broke the ranking's ordering. Three features with inputs 1, 2 and 3 and
// unit columns must rank 3, 2, 1 whatever the zero-input columns hold.
TEST(PpoPolicy, HugeFirstLayerColumnsDoNotBreakTheFeatureRanking) {
  features::FeatureTracker tracker(setup_for_8_cpus().facts);
  OneWorkload host;
  const HostSample s1 = host.next();
  const HostSample s2 = host.next();
  (void)tracker.update(s1, host.infos);
  const auto entries = tracker.update(s2, host.infos);
  ASSERT_EQ(entries.size(), 1u);
  const features::FeatureVector& f = entries[0].features;
  PolicyModel m = tiny_policy();
  m.std.fill(1.0F);
  const size_t chosen[3] = {7, 12, 20};
  for (size_t j = 0; j < 32; ++j) {
    m.mean[j] = static_cast<float>(f[j]);  // x_j = 0 ...
    m.weights[j] = 1e30F;                  // ... through a huge column
    m.weights[32 + j] = 0.0F;
  }
  for (size_t k = 0; k < 3; ++k) {
    m.mean[chosen[k]] = static_cast<float>(f[chosen[k]]) - static_cast<float>(k + 1);
    m.weights[chosen[k]] = 1.0F;
  }
  PpoPolicy p(setup_for_8_cpus(), m);
  (void)p.decide(s1, host.infos);
  const Decision d = p.decide(s2, host.infos);
  ASSERT_EQ(d.workloads.size(), 1u);
  const auto& why = p.last().explanations.at(0);
  ASSERT_EQ(why.features.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(why.features[k].feature, features::feature_name(static_cast<Feature>(chosen[2 - k])))
        << k;
  }
}

TEST(PpoPolicy, OutOfDistributionCheckUsesTheToleranceAndCatchesNaN) {
  PpoPolicy p({}, tiny_policy());
  EXPECT_EQ(p.out_of_distribution(features_with(1.04, 0.5)), -1);
  EXPECT_EQ(p.out_of_distribution(features_with(1.06, 0.5)), 0);
  EXPECT_EQ(p.out_of_distribution(features_with(0.5, -0.06)), 3);
  EXPECT_EQ(p.out_of_distribution(features_with(0.5, std::nan(""))), 3);
}

TEST(PpoPolicy, RefusedReloadKeepsTheRunningNetwork) {
  TempDir dir;
  const std::string good = dir.path() + "/good.policy";
  PolicyModel other = tiny_policy();
  other.name = "other";
  other.weights[0] = -1.0F;  // h0 = tanh(-x)
  ASSERT_TRUE(save_policy_file(good, other).ok());
  const std::string bytes = encode_policy_file(other).value();
  dir.write("truncated.policy", bytes.substr(0, bytes.size() / 2));
  std::string flipped = bytes;
  flipped[bytes.size() - 10] ^= 0x04;
  dir.write("flipped.policy", flipped);

  PpoPolicy p({}, tiny_policy());
  const auto f = features_with(0.75, 0.5);
  const auto before = p.infer(f);
  for (const char* bad : {"truncated.policy", "flipped.policy", "missing.policy"}) {
    const Status s = p.reload(dir.path() + "/" + bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.error().message.find("keeping the current network ('tiny-hand-built')"),
              std::string::npos)
        << s.error().message;
    EXPECT_NE(s.error().message.find(bad), std::string::npos) << s.error().message;
    EXPECT_EQ(p.infer(f), before);
    EXPECT_EQ(p.model().name, "tiny-hand-built");
  }
  ASSERT_TRUE(p.reload(good).ok());
  EXPECT_EQ(p.model().name, "other");
  EXPECT_NEAR(p.infer(f)[0], -before[0], 1e-6);
}

// The agent reloads through the Policy interface: a broken file leaves the running network and
// the policy's state (its decisions go on as before); a good one switches; a policy without a
// model refuses.
TEST(PpoPolicy, ReloadThroughThePolicyInterfaceKeepsThePolicyOnRefusal) {
  TempDir dir;
  const std::string bytes = encode_policy_file(tiny_policy()).value();
  dir.write("truncated.policy", bytes.substr(0, bytes.size() - 1));
  std::string corrupted = bytes;
  corrupted[bytes.size() / 2] ^= 0x10;
  dir.write("corrupted.policy", corrupted);
  PolicyModel other = tiny_policy();
  other.name = "other";
  ASSERT_TRUE(save_policy_file(dir.path() + "/good.policy", other).ok());

  PpoPolicy reference(setup_for_8_cpus(), tiny_policy());
  PpoPolicy reloaded(setup_for_8_cpus(), tiny_policy());
  Policy& policy = reloaded;
  OneWorkload a, b;
  for (int i = 0; i < 6; ++i) {
    const HostSample sa = a.next(), sb = b.next();
    if (i == 3) {
      for (const char* bad : {"truncated.policy", "corrupted.policy", "missing.policy"}) {
        const Status s = policy.reload_model(dir.path() + "/" + bad);
        ASSERT_FALSE(s.ok()) << bad;
        EXPECT_NE(s.error().message.find("reload refused, keeping the current network"),
                  std::string::npos)
            << s.error().message;
      }
    }
    const Decision da = reference.decide(sa, a.infos);
    const Decision db = policy.decide(sb, b.infos);
    ASSERT_EQ(da.workloads.size(), db.workloads.size()) << i;
    for (size_t k = 0; k < da.workloads.size(); ++k) {
      EXPECT_EQ(da.workloads[k].targets, db.workloads[k].targets) << i;
    }
  }
  EXPECT_EQ(reloaded.model().name, "tiny-hand-built");
  ASSERT_TRUE(policy.reload_model(dir.path() + "/good.policy").ok());
  EXPECT_EQ(reloaded.model().name, "other");

  RulePolicy rule(setup_for_8_cpus());
  const Status s = static_cast<Policy&>(rule).reload_model(dir.path() + "/good.policy");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("policy 'rule' has no model file"), std::string::npos);
}

TEST(PpoPolicy, LoadNamesTheFileAndTheProblem) {
  TempDir dir;
  dir.write("x.policy", "DWAEPOL1");
  auto p = PpoPolicy::load({}, dir.path() + "/x.policy");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("x.policy: policy file truncated"), std::string::npos)
      << p.error().message;
}

sim::Scenario noisy_neighbour() {
  auto load =
      sim::load_scenario_file(std::string(DWAE_SOURCE_DIR) + "/scenarios/noisy-neighbour.yaml");
  return std::move(*load.scenario);
}

TEST(PpoPolicy, SimulatorNeedsAPolicyFile) {
  const auto p = sim::make_policy("ppo", noisy_neighbour(), "/nonexistent/default.policy");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("needs a trained policy file at /nonexistent/default.policy"),
            std::string::npos)
      << p.error().message;
  // A model is shipped: the message no longer says none is.
  EXPECT_EQ(p.error().message.find("none is shipped"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("models/default.policy is shipped"), std::string::npos)
      << p.error().message;
}

// Records every decision of the policy it wraps.
class Recorder final : public Policy {
 public:
  explicit Recorder(Policy& inner) : inner_(inner) {}
  Decision decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) override {
    decisions.push_back(inner_.decide(now, workloads));
    return decisions.back();
  }
  const char* name() const override { return inner_.name(); }
  void set_configured(const std::string& workload, const ResourceTargets& targets) override {
    inner_.set_configured(workload, targets);
  }
  std::vector<Decision> decisions;

 private:
  Policy& inner_;
};

// Shield property for PPO: random networks, whatever they output, give weights inside the class
// bounds in the simulator (the shield's own property test covers arbitrary proposals).
TEST(PpoPolicy, RandomNetworksStayInsideClassBoundsInTheSimulator) {
  std::mt19937 rng(20261126);
  std::normal_distribution<float> normal(0.0F, 3.0F);
  sim::Scenario s = noisy_neighbour();
  s.duration = Nanos{4'000'000'000};
  TempDir dir;
  for (int net = 0; net < 3; ++net) {
    PolicyModel m = tiny_policy();
    m.layer_sizes = {32, 16, 3};
    m.activations = {Activation::kRelu, Activation::kTanh};
    m.actions = {{ActionResource::kCpuWeight, 1.0},
                 {ActionResource::kIoWeight, 1.0},
                 {ActionResource::kMemoryLow, 1.0}};
    m.train_min.fill(-1.0F);
    m.train_max.fill(1.0F);
    m.weights.resize(32 * 16 + 16 + 16 * 3 + 3);
    for (auto& w : m.weights) w = normal(rng);
    const std::string path = dir.path() + "/r" + std::to_string(net) + ".policy";
    ASSERT_TRUE(save_policy_file(path, m).ok());
    auto policy = sim::make_policy("ppo", s, path);
    ASSERT_TRUE(policy.ok()) << policy.error().message;
    Recorder rec(**policy);
    ASSERT_TRUE(sim::run_scenario(s, rec).ok());
    const auto& ppo = dynamic_cast<const PpoPolicy&>(**policy);
    EXPECT_GT(ppo.inferences(), 0u);
    EXPECT_EQ(ppo.ood_fallbacks(), 0u);
    const ShieldConfig limits;
    std::map<std::string, WorkloadClassKind> class_kind, kind;
    for (const auto& c : s.classes) class_kind[c.name] = c.kind;
    for (const auto& w : s.workloads) kind[w.name] = class_kind.at(w.class_name);
    size_t changes = 0;
    for (size_t i = 1; i < rec.decisions.size(); ++i) {  // the first applies the base settings
      for (const auto& wd : rec.decisions[i].workloads) {
        const ClassLimits& l = limits.limits(kind.at(wd.workload));
        if (wd.targets.cpu_weight) {
          ++changes;
          EXPECT_GE(*wd.targets.cpu_weight, l.cpu_weight.min) << wd.workload;
          EXPECT_LE(*wd.targets.cpu_weight, l.cpu_weight.max) << wd.workload;
        }
        if (wd.targets.io_weight) {
          EXPECT_GE(*wd.targets.io_weight, l.io_weight.min) << wd.workload;
          EXPECT_LE(*wd.targets.io_weight, l.io_weight.max) << wd.workload;
        }
      }
    }
    EXPECT_GT(changes, 0u);
  }
}

}  // namespace
}  // namespace dwae::policy
