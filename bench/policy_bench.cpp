// Policy speed (DEC-4, issue 5): PPO inference of the default-size actor (32 -> 64 -> 64 -> 3,
// tanh) and one full decide() (features + inference + shield) for 1,000 workloads.
// Goals: 100,000 inferences <= 50 ms on one core; decide() for 1,000 workloads <= 2 ms.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dwae/policy/feedback_policy.h"
#include "dwae/policy/mlp.h"
#include "dwae/policy/policy_file.h"
#include "dwae/policy/ppo_policy.h"
#include "dwae/policy/rule_policy.h"

namespace {

using namespace dwae;          // NOLINT(google-build-using-namespace)
using namespace dwae::policy;  // NOLINT(google-build-using-namespace)

constexpr int64_t kInferences = 100'000;
constexpr int kWarmupTicks = 300;

// The documented default actor with seeded random weights (scale 1/sqrt(fan-in)).
PolicyModel default_size_model(float train_max = 1.0F) {
  PolicyModel m;
  m.name = "bench-random";
  m.layer_sizes = {32, 64, 64, 3};
  m.activations = {Activation::kTanh, Activation::kTanh, Activation::kTanh};
  m.mean.fill(0.5F);
  m.std.fill(0.3F);
  m.train_min.fill(-1.0F);
  m.train_max.fill(train_max);
  m.actions = {{ActionResource::kCpuWeight, 0.25},
               {ActionResource::kIoWeight, 0.25},
               {ActionResource::kMemoryLow, 0.25}};
  std::mt19937 rng(20261126);
  for (size_t l = 1; l < m.layer_sizes.size(); ++l) {
    std::normal_distribution<float> normal(
        0.0F, 1.0F / std::sqrt(static_cast<float>(m.layer_sizes[l - 1])));
    for (uint32_t i = 0; i < m.layer_sizes[l] * (m.layer_sizes[l - 1] + 1); ++i) {
      m.weights.push_back(normal(rng));
    }
  }
  return m;
}

std::vector<float> random_inputs(size_t n) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-2.0F, 2.0F);
  std::vector<float> x(n * 32);
  for (auto& v : x) v = u(rng);
  return x;
}

// 100,000 single-vector forward passes (the worst case: one workload per call).
void BM_Ppo100kInferencesOneByOne(benchmark::State& state) {
  const Mlp mlp = build_mlp(default_size_model());
  const std::vector<float> x = random_inputs(1024);
  float y[3];
  for (auto _ : state) {
    for (int64_t i = 0; i < kInferences; ++i) {
      mlp.forward(&x[static_cast<size_t>(i & 1023) * 32], y);
      benchmark::DoNotOptimize(y);
    }
  }
  state.counters["inferences_per_s"] = benchmark::Counter(
      static_cast<double>(kInferences), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Ppo100kInferencesOneByOne)->Unit(benchmark::kMillisecond);

// The same with the portable Eigen kernel (what a CPU without AVX2 and FMA runs).
void BM_Ppo100kInferencesOneByOneEigen(benchmark::State& state) {
  const Mlp mlp(build_mlp(default_size_model()).layers(), /*use_avx2=*/false);
  const std::vector<float> x = random_inputs(1024);
  float y[3];
  for (auto _ : state) {
    for (int64_t i = 0; i < kInferences; ++i) {
      mlp.forward(&x[static_cast<size_t>(i & 1023) * 32], y);
      benchmark::DoNotOptimize(y);
    }
  }
}
BENCHMARK(BM_Ppo100kInferencesOneByOneEigen)->Unit(benchmark::kMillisecond);

// 100,000 inferences in batches of Arg with the portable Eigen kernel (decide() batches a tick's
// workloads, so this is what a CPU without AVX2 and FMA runs per tick).
void BM_Ppo100kInferencesBatchedEigen(benchmark::State& state) {
  const Mlp mlp(build_mlp(default_size_model()).layers(), /*use_avx2=*/false);
  const auto batch = state.range(0);
  const std::vector<float> x = random_inputs(static_cast<size_t>(batch));
  const Eigen::MatrixXf in = Eigen::Map<const Eigen::MatrixXf>(x.data(), 32, batch);
  Eigen::MatrixXf out;
  for (auto _ : state) {
    for (int64_t done = 0; done < kInferences; done += batch) {
      mlp.forward_batch(in, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
}
BENCHMARK(BM_Ppo100kInferencesBatchedEigen)
    ->Arg(16)
    ->Arg(64)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);

// 100,000 inferences in batches of Arg (as decide() runs them: one batch per tick).
void BM_Ppo100kInferencesBatched(benchmark::State& state) {
  const Mlp mlp = build_mlp(default_size_model());
  const auto batch = state.range(0);
  const std::vector<float> x = random_inputs(static_cast<size_t>(batch));
  const Eigen::MatrixXf in = Eigen::Map<const Eigen::MatrixXf>(x.data(), 32, batch);
  Eigen::MatrixXf out;
  for (auto _ : state) {
    for (int64_t done = 0; done < kInferences; done += batch) {
      mlp.forward_batch(in, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.counters["inferences_per_s"] = benchmark::Counter(
      static_cast<double>(kInferences), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Ppo100kInferencesBatched)->Arg(16)->Arg(64)->Arg(1000)->Unit(benchmark::kMillisecond);

// A host of 1,000 workloads (a third of each class), every counter moving each tick, every
// workload doing I/O.
class ThousandWorkloads {
 public:
  ThousandWorkloads() {
    for (int i = 0; i < 1000; ++i) {
      WorkloadInfo info;
      // Names as long as real ones (systemd units, pods), beyond the short-string buffer.
      info.name = "svc/tenant-" + std::to_string(1000 + i) + "-app.service";
      info.class_kind = static_cast<WorkloadClassKind>(i % 3);
      info.priority = 50;
      info.p99_target = Nanos{10'000'000};
      info.numa_node = static_cast<uint32_t>(i % 2);
      info.llc_domain = info.numa_node;
      infos.push_back(info);
      WorkloadSample w;
      w.name = info.name;
      w.has_runq_delay = true;
      w.has_psi = true;
      w.applied.cpu_weight = 100 + static_cast<uint32_t>(i % 7) * 50;
      w.applied.io_weight = 100;
      w.applied.memory_low_bytes = 256ull << 20;
      sample.workloads.push_back(w);
    }
    sample.cpus = 64;
    sample.memory_total_bytes = 512ull << 30;
  }
  const HostSample& next() {
    ++ticks_;
    sample.at = Nanos{200'000'000} * ticks_;
    const auto t = static_cast<size_t>(ticks_);
    for (size_t i = 0; i < sample.workloads.size(); ++i) {
      auto& w = sample.workloads[i];
      // Each workload queues for 5 s, then runs calm for 5 s (staggered), so the policies keep
      // moving weights instead of settling.
      const bool queueing = (t + i * 13) % 50 < 25;
      w.cpu_usage_ns += 5'000'000 + (i * 7919 + t * 104729) % 20'000'000;
      w.runq_delay_ns.add((queueing ? 2'000'000 : 20'000) + (i * 31 + t) % 2'000'000, 50);
      w.io_latency_ns.add(50'000 + (i * 7 + t * 13) % 4'000'000, 5);
      w.psi.cpu_some_us += (queueing ? 30'000 : 0) + (i + t) % 5'000;
      w.memory_current_bytes = (512ull << 20) + i * 4096;
    }
    return sample;
  }
  void apply(const Decision& d) {
    // Decisions come in workload order; applying them keeps the rate limit in play.
    size_t j = 0;
    for (const auto& wd : d.workloads) {
      while (j < sample.workloads.size() && sample.workloads[j].name != wd.workload) ++j;
      if (j == sample.workloads.size()) break;
      auto& a = sample.workloads[j].applied;
      if (wd.targets.cpu_weight) a.cpu_weight = wd.targets.cpu_weight;
      if (wd.targets.io_weight) a.io_weight = wd.targets.io_weight;
      if (wd.targets.memory_low_bytes) a.memory_low_bytes = wd.targets.memory_low_bytes;
      if (wd.targets.cpu_idle) a.cpu_idle = wd.targets.cpu_idle;
    }
  }
  std::vector<WorkloadInfo> infos;
  HostSample sample;

 private:
  int64_t ticks_ = 0;
};

AdaptiveSetup setup_for(const ThousandWorkloads& host) {
  AdaptiveSetup s;
  s.facts.cpus = host.sample.cpus;
  s.facts.memory_total_bytes = host.sample.memory_total_bytes;
  s.facts.numa_nodes = 2;
  s.facts.llc_domains = 2;
  s.facts.overcommit_ratio = 4;
  return s;
}

// One decide() of an adaptive policy per iteration on the same host; the decision is applied to
// the host between iterations (untimed), so the rate limits stay in play.
template <typename P>
void decide_loop(benchmark::State& state, ThousandWorkloads& host, P& policy) {
  // Fill the 60 s windows first (300 ticks of 200 ms): the steady state of a running agent, and
  // the costlier one (full windows).
  for (int i = 0; i < kWarmupTicks; ++i) host.apply(policy.decide(host.next(), host.infos));
  size_t changed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const HostSample& s = host.next();
    state.ResumeTiming();
    const Decision d = policy.decide(s, host.infos);
    state.PauseTiming();
    changed += d.workloads.size();
    host.apply(d);
    state.ResumeTiming();
  }
  state.counters["changed_per_tick"] =
      benchmark::Counter(static_cast<double>(changed), benchmark::Counter::kAvgIterations);
}

// One decide() per iteration: features for 1,000 workloads, one batched inference, the shield,
// explanations. Arg 1: every workload out of distribution (all fall back to feedback).
void BM_PpoDecide1000Workloads(benchmark::State& state) {
  ThousandWorkloads host;
  const bool all_ood = state.range(0) == 1;
  PpoPolicy policy(setup_for(host), default_size_model(all_ood ? -0.5F : 1.0F));
  decide_loop(state, host, policy);
  state.counters["ood_fallbacks_per_tick"] =
      benchmark::Counter(static_cast<double>(policy.ood_fallbacks()) /
                         static_cast<double>(policy.inferences()) * 1000);
}
BENCHMARK(BM_PpoDecide1000Workloads)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The features alone (FeatureTracker::update) for the same host: the part of decide() that is
// the same for every adaptive policy.
void BM_Features1000Workloads(benchmark::State& state) {
  ThousandWorkloads host;
  features::FeatureTracker tracker(setup_for(host).facts);
  for (int i = 0; i < kWarmupTicks; ++i) (void)tracker.update(host.next(), host.infos);
  for (auto _ : state) {
    state.PauseTiming();
    const HostSample& s = host.next();
    state.ResumeTiming();
    auto entries = tracker.update(s, host.infos);
    benchmark::DoNotOptimize(entries.data());
  }
}
BENCHMARK(BM_Features1000Workloads)->Unit(benchmark::kMillisecond);

// The feedback controller on the same host.
void BM_FeedbackDecide1000Workloads(benchmark::State& state) {
  ThousandWorkloads host;
  FeedbackPolicy policy(setup_for(host));
  decide_loop(state, host, policy);
}
BENCHMARK(BM_FeedbackDecide1000Workloads)->Unit(benchmark::kMillisecond);

// The threshold rules on the same host.
void BM_RuleDecide1000Workloads(benchmark::State& state) {
  ThousandWorkloads host;
  RulePolicy policy(setup_for(host));
  decide_loop(state, host, policy);
}
BENCHMARK(BM_RuleDecide1000Workloads)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
