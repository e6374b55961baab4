// Pins what the adaptive policies output: every decision and every explanation of rule,
// feedback and ppo, and every feature vector, on a synthetic host of 25 workloads over 330
// ticks (longer than the 60 s window, with load phases, memory pressure, a workload that
// vanishes and returns, a new one, a repeated timestamp and a gap). The expected text is
// tests/policy/data/decisions.golden and ppo.golden; a faster implementation must reproduce it
// exactly. DWAE_UPDATE_GOLDEN=1 rewrites the file (only when a change of behaviour is intended).
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "dwae/features/features.h"
#include "dwae/policy/feedback_policy.h"
#include "dwae/policy/mlp_avx2.h"
#include "dwae/policy/ppo_policy.h"
#include "dwae/policy/rule_policy.h"

namespace dwae::policy {
namespace {

constexpr Nanos kTick{200'000'000};
constexpr int kTicks = 330;
constexpr size_t kWorkloads = 25;

// splitmix64: a portable, seeded source of numbers (the standard distributions are not
// specified bit for bit across libraries).
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
uint64_t pick(uint64_t a, uint64_t b, uint64_t c, uint64_t range) {
  return mix(a * 1'000'003 + b * 7919 + c) % range;
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

std::string num(double v) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

WorkloadInfo info_of(size_t i) {
  WorkloadInfo w;
  w.name = "svc-" + std::to_string(i);
  w.class_name = "c" + std::to_string(i % 3);
  w.class_kind = static_cast<WorkloadClassKind>(i % 3);
  w.priority = static_cast<int>(10 + (i * 13) % 90);
  if (i % 4 != 3) w.p99_target = Nanos{static_cast<int64_t>(5'000'000 + i * 1'000'000)};
  w.numa_node = static_cast<uint32_t>(i % 2);
  w.llc_domain = static_cast<uint32_t>(i % 4);
  return w;
}

// A 16-CPU host whose load goes low, high, low, high; svc-5 vanishes at tick 100 and returns at
// tick 140, svc-24 appears at tick 60; tick 200 repeats tick 199's time, tick 250 comes 1 s late.
class SyntheticHost {
 public:
  SyntheticHost() {
    for (size_t i = 0; i < kWorkloads; ++i) {
      all_infos_.push_back(info_of(i));
      WorkloadSample w;
      w.name = all_infos_.back().name;
      w.has_runq_delay = i % 5 != 4;
      w.has_psi = i % 7 != 6;
      w.has_requests = i % 3 == 0;
      if (i % 6 == 1) w.applied.memory_high_bytes = (2ull << 30) + i * (64ull << 20);
      if (i % 2 == 0) w.applied.cpu_weight = static_cast<uint32_t>(50 + i * 40);
      if (i % 5 == 0) w.applied.io_weight = 300;
      if (i % 4 == 0) w.applied.memory_low_bytes = 128ull << 20;
      state_.push_back(w);
    }
  }

  bool present(size_t i, int tick) const {
    if (i == 5) return tick < 100 || tick >= 140;
    if (i == 24) return tick >= 60;
    return true;
  }

  // The host at `tick`, with the infos of the workloads present.
  HostSample next(int tick, std::vector<WorkloadInfo>& infos) {
    if (tick != 200) at_ += tick == 250 ? Nanos{1'000'000'000} : kTick;
    const bool busy = (tick / 40) % 2 == 1;
    const auto t = static_cast<uint64_t>(tick);
    HostSample s;
    s.at = at_;
    s.cpus = 16;
    s.memory_total_bytes = 64ull << 30;
    s.psi.cpu_some_us = t * 1000;
    infos.clear();
    for (size_t i = 0; i < kWorkloads; ++i) {
      WorkloadSample& w = state_[i];
      const uint64_t cpu_ms = (busy ? 120 : 20) + pick(i, t, 1, busy ? 80 : 40);
      w.cpu_usage_ns += cpu_ms * 1'000'000;
      w.nr_periods += 2;
      w.nr_throttled += pick(i, t, 2, 3);
      w.throttled_ns += pick(i, t, 3, 5'000'000);
      const uint64_t delay_ns =
          (busy ? 400'000 : 10'000) + pick(i, t, 4, busy ? 12'000'000 : 900'000);
      w.runq_delay_ns.add(delay_ns, 20 + pick(i, t, 5, 80));
      w.runq_delay_ns.add(delay_ns / 8, 200);
      w.psi.cpu_some_us += pick(i, t, 6, busy ? 120'000 : 15'000);
      w.psi.cpu_full_us += pick(i, t, 7, 10'000);
      const bool memory_pressure = tick % 50 >= 20 && tick % 50 < 26 && i % 3 == 0;
      w.psi.memory_some_us += memory_pressure ? 30'000 + pick(i, t, 8, 20'000) : pick(i, t, 8, 500);
      w.psi.io_some_us += pick(i, t, 9, 30'000);
      w.reclaim_stall_ns += memory_pressure ? 8'000'000 : 0;
      w.memory_current_bytes = (512ull << 20) + pick(i, t, 10, 1ull << 30);
      w.io_latency_ns.add(50'000 + pick(i, t, 11, 5'000'000), 1 + pick(i, t, 12, 50));
      w.net_tx_bytes += pick(i, t, 13, 3'000'000);
      w.net_drops += pick(i, t, 14, 40);
      w.net_queue_depth = pick(i, t, 15, 300);
      w.remote_memory_accesses += pick(i, t, 16, 1000);
      w.local_memory_accesses += 1000 + pick(i, t, 17, 4000);
      if (w.has_requests) {
        w.request_latency_ns.add(1'000'000 + pick(i, t, 18, 40'000'000), 10 + pick(i, t, 19, 90));
      }
      w.top_process_cpu_share = static_cast<double>(pick(i, t, 20, 1001)) / 1000.0;
      if (!present(i, tick)) continue;
      s.workloads.push_back(w);
      infos.push_back(all_infos_[i]);
    }
    return s;
  }

  void apply(const Decision& d) {
    for (const auto& wd : d.workloads) {
      for (auto& w : state_) {
        if (w.name != wd.workload) continue;
        const ResourceTargets& t = wd.targets;
        ResourceTargets& a = w.applied;
        if (t.cpu_weight) a.cpu_weight = t.cpu_weight;
        if (t.io_weight) a.io_weight = t.io_weight;
        if (t.cpu_idle) a.cpu_idle = t.cpu_idle;
        if (t.memory_low_bytes) a.memory_low_bytes = t.memory_low_bytes;
        if (t.memory_high_bytes) a.memory_high_bytes = t.memory_high_bytes;
      }
    }
  }

 private:
  std::vector<WorkloadInfo> all_infos_;
  std::vector<WorkloadSample> state_;
  Nanos at_{0};
};

template <typename T>
void field(std::ostringstream& out, const char* name, const std::optional<T>& v) {
  if (v) out << ' ' << name << '=' << *v;
}

std::string describe(const ExplainedDecision& d) {
  std::ostringstream out;
  out << "at " << d.decision.at.count() << '\n';
  for (const auto& wd : d.decision.workloads) {
    const ResourceTargets& t = wd.targets;
    out << "  decide " << wd.workload;
    field(out, "cpu.weight", t.cpu_weight);
    field(out, "cpu.quota_us", t.cpu_quota_us);
    field(out, "cpu.period_us", t.cpu_period_us);
    field(out, "cpu.burst_us", t.cpu_burst_us);
    field(out, "cpu.idle", t.cpu_idle);
    field(out, "memory.min", t.memory_min_bytes);
    field(out, "memory.low", t.memory_low_bytes);
    field(out, "memory.high", t.memory_high_bytes);
    field(out, "memory.max", t.memory_max_bytes);
    field(out, "io.weight", t.io_weight);
    if (t.net_share) out << " net.share=" << num(*t.net_share);
    out << '\n';
  }
  for (const auto& e : d.explanations) {
    out << "  why " << e.workload << " [" << e.policy << "] " << e.reason << '\n';
    for (const auto& f : e.features)
      out << "    feature " << f.feature << '=' << num(f.value) << '\n';
    for (const auto& g : e.guards)
      out << "    guard " << g.guard << ' ' << g.field << ": " << g.detail << '\n';
  }
  return out.str();
}

AdaptiveSetup setup() {
  AdaptiveSetup s;
  for (size_t i = 0; i < kWorkloads; i += 3) {
    ResourceTargets t;
    t.cpu_weight = static_cast<uint32_t>(100 + i * 20);
    if (i % 2 == 0) t.memory_high_bytes = 4ull << 30;
    s.base["svc-" + std::to_string(i)] = t;
  }
  s.facts.numa_nodes = 2;
  s.facts.llc_domains = 4;
  s.facts.overcommit_ratio = 3.5;
  return s;
}

// The default-size actor (32 -> 64 -> 64 -> 3) with seeded weights; a training range that
// busy workloads leave (PSI cpu some), so some ticks fall back to feedback.
PolicyModel golden_model() {
  PolicyModel m;
  m.name = "golden";
  m.layer_sizes = {32, 64, 64, 3};
  m.activations = {Activation::kTanh, Activation::kRelu, Activation::kTanh};
  for (size_t j = 0; j < features::kFeatureCount; ++j) {
    m.mean[j] = static_cast<float>(pick(j, 0, 1, 100)) / 200.0F;
    m.std[j] = 0.1F + static_cast<float>(pick(j, 0, 2, 100)) / 200.0F;
    m.train_min[j] = -1.0F;
    m.train_max[j] = 1.0F;
  }
  m.train_max[static_cast<size_t>(features::Feature::kPsiCpuSome)] = 0.2F;
  m.actions = {{ActionResource::kCpuWeight, 0.25},
               {ActionResource::kIoWeight, 0.2},
               {ActionResource::kMemoryLow, 0.1}};
  uint64_t k = 0;
  for (size_t l = 1; l < m.layer_sizes.size(); ++l) {
    const double scale = 2.0 / std::sqrt(static_cast<double>(m.layer_sizes[l - 1]));
    for (uint32_t i = 0; i < m.layer_sizes[l] * (m.layer_sizes[l - 1] + 1); ++i) {
      const double u = static_cast<double>(mix(++k) >> 11) / 9007199254740992.0;  // [0, 1)
      m.weights.push_back(static_cast<float>((u - 0.5) * scale));
    }
  }
  return m;
}

std::unique_ptr<AdaptivePolicy> make(const std::string& name) {
  if (name == "rule") return std::make_unique<RulePolicy>(setup());
  if (name == "feedback") return std::make_unique<FeedbackPolicy>(setup());
  return std::make_unique<PpoPolicy>(setup(), golden_model());
}

// The whole run of one policy as text: full decisions for the first 16 ticks and every 40th,
// a digest line for every tick.
std::string run_policy(const std::string& name) {
  auto policy = make(name);
  SyntheticHost host;
  std::vector<WorkloadInfo> infos;
  std::ostringstream out;
  for (int tick = 0; tick < kTicks; ++tick) {
    const HostSample s = host.next(tick, infos);
    const Decision d = policy->decide(s, infos);
    const std::string text = describe(policy->last());
    EXPECT_EQ(describe({d, policy->last().explanations}), text);
    out << name << " tick " << tick << " changes " << d.workloads.size() << " digest " << std::hex
        << fnv1a(text) << std::dec << '\n';
    if (tick < 16 || tick % 40 == 1) out << text;
    host.apply(d);
  }
  if (const auto* ppo = dynamic_cast<const PpoPolicy*>(policy.get())) {
    out << "ppo inferences " << ppo->inferences() << " ood_fallbacks " << ppo->ood_fallbacks()
        << '\n';
  }
  return out.str();
}

// Every feature vector of every tick, as a digest per tick (full vectors for tick 1 and 80).
std::string run_features() {
  SyntheticHost host;
  features::FeatureTracker tracker(setup().facts);
  std::vector<WorkloadInfo> infos;
  std::ostringstream out;
  for (int tick = 0; tick < kTicks; ++tick) {
    const HostSample s = host.next(tick, infos);
    const auto entries = tracker.update(s, infos);
    std::string text;
    for (const auto& e : entries) {
      text += e.info->name;
      text += ' ' + num(e.tick.cpu_cores) + ' ' + num(e.tick.runq_p99_ns) + ' ' +
              num(e.tick.io_p99_ns) + ' ' + num(e.tick.request_p99_ns);
      for (const double v : e.features) text += ' ' + num(v);
      text += '\n';
    }
    out << "features tick " << tick << " entries " << entries.size() << " digest " << std::hex
        << fnv1a(text) << std::dec << '\n';
    if (tick == 1 || tick == 80) out << text;
  }
  return out.str();
}

// Compares `got` with the golden file line by line, so a failure names the first line that
// differs; DWAE_UPDATE_GOLDEN=1 rewrites the file instead.
void expect_golden(const std::string& file, const std::string& got) {
  const std::string path = std::string(DWAE_SOURCE_DIR) + "/tests/policy/data/" + file;
  if (std::getenv("DWAE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << got;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream want;
  want << in.rdbuf();
  std::istringstream a(got), b(want.str());
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) break;
    ASSERT_EQ(la, lb) << "first difference at line " << line << " of " << path;
  }
}

TEST(DecisionGolden, FeaturesRuleAndFeedbackAreUnchanged) {
  expect_golden("decisions.golden", run_features() + run_policy("rule") + run_policy("feedback"));
}

TEST(DecisionGolden, PpoIsUnchanged) {
  if (!avx2::available()) {
    GTEST_SKIP() << "the golden PPO outputs were recorded with the AVX2 kernel";
  }
  expect_golden("ppo.golden", run_policy("ppo"));
}

// The run is deterministic: the same samples give the same text twice.
TEST(DecisionGolden, RunsAreRepeatable) {
  EXPECT_EQ(run_policy("feedback"), run_policy("feedback"));
}

}  // namespace
}  // namespace dwae::policy
