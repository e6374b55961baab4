// Features: known samples give known values; the window keeps 60 s; extract is bounded and
// deterministic whatever it is given.
#include "dwae/features/features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace dwae::features {
namespace {

constexpr Nanos kTick{200'000'000};

WorkloadSample busy_sample(uint64_t scale) {
  WorkloadSample s;
  s.name = "w";
  s.cpu_usage_ns = 400'000'000 * scale;  // 2 CPUs over each 200 ms tick
  s.nr_periods = 10 * scale;
  s.nr_throttled = 3 * scale;
  s.has_runq_delay = true;
  s.runq_delay_ns.add(1'000'000, 100 * scale);  // 1 ms wakeups
  s.has_psi = true;
  s.psi.cpu_some_us = 50'000 * scale;  // 25 % of 200 ms
  s.psi.memory_some_us = 20'000 * scale;
  s.reclaim_stall_ns = 10'000'000 * scale;
  s.net_tx_bytes = uint64_t{1500} * 900 * scale;
  s.net_drops = 100 * scale;
  s.local_memory_accesses = 750 * scale;
  s.remote_memory_accesses = 250 * scale;
  s.top_process_cpu_share = 0.5;
  return s;
}

TEST(FeaturesDerive, RatesFromTwoCumulativeSamples) {
  const Tick t = derive(busy_sample(2), busy_sample(1), kTick);
  EXPECT_DOUBLE_EQ(t.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(t.throttled_share, 0.3);
  EXPECT_DOUBLE_EQ(t.psi_cpu_some, 0.25);
  EXPECT_DOUBLE_EQ(t.psi_memory_some, 0.1);
  EXPECT_DOUBLE_EQ(t.reclaim_stall, 0.05);
  EXPECT_DOUBLE_EQ(t.net_drop_share, 0.1);
  EXPECT_DOUBLE_EQ(t.remote_memory_share, 0.25);
  // 1 ms lies in bucket [2^19, 2^20) ns; the P99 is interpolated inside it.
  EXPECT_GE(t.runq_p99_ns, 524'288.0);
  EXPECT_LT(t.runq_p99_ns, 1'048'576.0);
}

// A sample whose run-queue delay is not observed (no eBPF scheduling programs, or a cgroup
// outside their hierarchy) may still carry a histogram, e.g. one left from before the source
// stopped: it is not read. The delay counts as 0, like every other unobserved signal, and the
// policies go by PSI, which is still there.
TEST(FeaturesDerive, AnUnobservedRunQueueDelayIsNotReadFromTheHistogram) {
  WorkloadSample now = busy_sample(2);
  WorkloadSample prev = busy_sample(1);
  now.has_runq_delay = false;
  prev.has_runq_delay = false;
  const Tick t = derive(now, prev, kTick);
  EXPECT_EQ(t.runq_p99_ns, 0);
  EXPECT_DOUBLE_EQ(t.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(t.psi_cpu_some, 0.25);

  // The same through the tracker, over several ticks: no run-queue feature moves.
  std::vector<WorkloadInfo> infos(1);
  infos[0].name = "w";
  FeatureTracker tracker(HostContext{});
  size_t vectors = 0;
  for (uint64_t i = 1; i <= 5; ++i) {
    HostSample s;
    s.at = kTick * static_cast<int64_t>(i);
    s.cpus = 8;
    s.workloads.push_back(busy_sample(i));
    s.workloads.back().has_runq_delay = false;
    for (const auto& e : tracker.update(s, infos)) {
      ++vectors;
      EXPECT_EQ(get(e.features, Feature::kRunqP99), 0) << i;
      EXPECT_EQ(get(e.features, Feature::kRunqP99P95), 0) << i;
      EXPECT_EQ(get(e.features, Feature::kRunqP99Trend), 0) << i;
      EXPECT_DOUBLE_EQ(get(e.features, Feature::kPsiCpuSome), 0.25) << i;
    }
  }
  EXPECT_EQ(vectors, 4u);
}

TEST(FeaturesDerive, ZeroOrNegativeTimeGivesNoRates) {
  const Tick t = derive(busy_sample(2), busy_sample(1), Nanos{0});
  EXPECT_EQ(t.cpu_cores, 0);
  EXPECT_EQ(t.psi_cpu_some, 0);
}

TEST(FeaturesDerive, CountersThatWentBackwardsCountAsZero) {
  const Tick t = derive(busy_sample(1), busy_sample(2), kTick);
  EXPECT_EQ(t.cpu_cores, 0);
  EXPECT_EQ(t.throttled_share, 0);
  EXPECT_EQ(t.net_drop_share, 0);
}

TEST(FeaturesLatencyScale, LogMicrosecondsOverSix) {
  EXPECT_EQ(latency_scale(0), 0);
  EXPECT_NEAR(latency_scale(999'000), 0.5, 1e-9);  // 999 us: log10(1000) / 6
  EXPECT_EQ(latency_scale(10e9), 1);               // clamped
  EXPECT_EQ(latency_scale(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(latency_scale(std::numeric_limits<double>::infinity()), 1);
}

TEST(FeatureWindow, KeepsSixtySeconds) {
  FeatureWindow w;
  for (int i = 0; i <= 400; ++i) {  // 80 s of 200 ms ticks
    Tick t;
    t.at = kTick * i;
    w.push(t);
  }
  EXPECT_EQ(w.size(), 301u);  // 60 s span, both ends included
  EXPECT_EQ(w.oldest_at(), Nanos{20'000'000'000});
}

// The incremental statistics against a plain recomputation over the ticks in the window, with
// irregular gaps (several ticks leaving at once, none leaving, equal timestamps) and repeated
// values (ties in the sorted latencies).
TEST(FeatureWindow, StatisticsMatchARecomputation) {
  std::mt19937_64 rng(20261126);
  const std::array<double, 5> latencies = {0, 20'000, 1e6, 3e6, 7.5e8};
  std::vector<Tick> all;
  FeatureWindow w;
  Nanos at{0};
  for (int i = 0; i < 3000; ++i) {
    const uint64_t r = rng();
    at += r % 50 == 0  ? Nanos{9'000'000'000}
          : r % 7 == 0 ? Nanos{0}
                       : kTick * static_cast<int64_t>(1 + r % 3);
    Tick t;
    t.at = at;
    t.cpu_cores = static_cast<double>(rng() % 1000) / 100.0;
    t.runq_p99_ns = rng() % 3 == 0 ? latencies[rng() % latencies.size()]
                                   : static_cast<double>(rng() % 5'000'000);
    t.io_p99_ns = latencies[rng() % latencies.size()];
    t.throttled_share = static_cast<double>(rng() % 100) / 100.0;
    t.psi_cpu_some = static_cast<double>(rng() % 100) / 100.0;
    t.psi_memory_some = static_cast<double>(rng() % 10) / 10.0;
    t.net_drop_share = static_cast<double>(rng() % 100) / 1000.0;
    w.push(t);
    all.push_back(t);

    std::vector<double> runq, io;
    double cpu = 0, recent_cpu = 0, max_mem = 0;
    size_t n = 0, recent_n = 0;
    for (const Tick& x : all) {
      if (x.at < at - FeatureWindow::kSpan) continue;
      ++n;
      cpu += x.cpu_cores;
      runq.push_back(latency_scale(x.runq_p99_ns));
      io.push_back(latency_scale(x.io_p99_ns));
      max_mem = std::max(max_mem, x.psi_memory_some);
      if (x.at >= at - FeatureWindow::kRecent) {
        ++recent_n;
        recent_cpu += x.cpu_cores;
      }
    }
    std::sort(runq.begin(), runq.end());
    std::sort(io.begin(), io.end());
    auto nearest_rank = [](const std::vector<double>& v, double q) {
      const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
      return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
    };
    ASSERT_EQ(w.size(), n) << i;
    ASSERT_EQ(w.all().n, n) << i;
    ASSERT_EQ(w.recent().n, recent_n) << i;
    ASSERT_NEAR(w.all().cpu_cores, cpu, 1e-9) << i;
    ASSERT_NEAR(w.recent().cpu_cores, recent_cpu, 1e-9) << i;
    ASSERT_EQ(w.max_psi_memory_some(), max_mem) << i;
    for (const double q : {0.0, 0.5, 0.95, 1.0}) {
      ASSERT_EQ(w.runq_scaled_percentile(q), nearest_rank(runq, q)) << i << " " << q;
      ASSERT_EQ(w.io_scaled_percentile(q), nearest_rank(io, q)) << i << " " << q;
    }
  }
}

TEST(FeaturesExtract, KnownValues) {
  HostContext host;
  host.cpus = 8;
  host.memory_total_bytes = 32ull << 30;
  host.numa_nodes = 2;
  host.llc_domains = 2;
  host.demand_over_capacity = 1.5;
  host.overcommit_ratio = 5;
  WorkloadInfo info;
  info.name = "w";
  info.class_kind = WorkloadClassKind::kLatencySensitive;
  info.priority = 90;
  info.numa_node = 1;
  info.llc_domain = 1;
  WorkloadSample now = busy_sample(2);
  now.memory_current_bytes = 1ull << 30;
  now.applied.memory_high_bytes = 2ull << 30;
  Tick t = derive(now, busy_sample(1), kTick);
  t.at = kTick;
  FeatureWindow w;
  w.push(t);
  const FeatureVector v = extract(t, w, now, info, host);
  EXPECT_DOUBLE_EQ(get(v, Feature::kCpuUse), 0.25);
  EXPECT_DOUBLE_EQ(get(v, Feature::kCpuUseMean), 0.25);
  EXPECT_DOUBLE_EQ(get(v, Feature::kCpuUseTrend), 0);
  EXPECT_DOUBLE_EQ(get(v, Feature::kThrottledShare), 0.3);
  EXPECT_DOUBLE_EQ(get(v, Feature::kPsiCpuSome), 0.25);
  EXPECT_DOUBLE_EQ(get(v, Feature::kMemoryUseVsHigh), 0.25);  // 1 GiB / 2 GiB / 2
  EXPECT_DOUBLE_EQ(get(v, Feature::kTopProcessShare), 0.5);
  EXPECT_DOUBLE_EQ(get(v, Feature::kTopProcessCpu), 0.125);  // 0.5 x 2 CPUs / 8
  EXPECT_DOUBLE_EQ(get(v, Feature::kNumaNode), 1);
  EXPECT_DOUBLE_EQ(get(v, Feature::kLlcDomain), 1);
  EXPECT_DOUBLE_EQ(get(v, Feature::kRemoteMemoryShare), 0.25);
  EXPECT_DOUBLE_EQ(get(v, Feature::kIsLatencySensitive), 1);
  EXPECT_DOUBLE_EQ(get(v, Feature::kIsBestEffort), 0);
  EXPECT_DOUBLE_EQ(get(v, Feature::kPriority), 0.9);
  EXPECT_DOUBLE_EQ(get(v, Feature::kHostDemandOverCapacity), 0.75);
  EXPECT_DOUBLE_EQ(get(v, Feature::kHostOvercommit), 0.5);
  EXPECT_DOUBLE_EQ(get(v, Feature::kRequestP99VsTarget), 0);  // no requests observed
}

TEST(FeaturesExtract, TrendFollowsTheLastFiveSeconds) {
  HostContext host;
  host.cpus = 4;
  WorkloadInfo info;
  WorkloadSample now;
  FeatureWindow w;
  Tick t;
  for (int i = 1; i <= 300; ++i) {  // 55 s at 1 CPU, then 5 s at 3 CPUs
    t.at = kTick * i;
    t.cpu_cores = i > 275 ? 3.0 : 1.0;
    w.push(t);
  }
  const FeatureVector v = extract(t, w, now, info, host);
  // Recent = ticks at >= 55 s: tick 275 (1 CPU) and 25 ticks at 3 CPUs, mean
  // (0.25 + 25 x 0.75) / 26; window mean (275 x 0.25 + 25 x 0.75) / 300.
  const double recent = (0.25 + 25 * 0.75) / 26;
  const double all = (275 * 0.25 + 25 * 0.75) / 300;
  EXPECT_NEAR(get(v, Feature::kCpuUseTrend), recent - all, 1e-12);
}

TEST(FeaturesExtract, EveryValueFiniteAndBoundedForExtremeInputs) {
  HostContext host;
  host.cpus = 0;  // a broken source
  host.demand_over_capacity = std::numeric_limits<double>::infinity();
  host.overcommit_ratio = std::numeric_limits<double>::quiet_NaN();
  WorkloadInfo info;
  info.priority = 1000;
  info.numa_node = 7;
  info.p99_target = Nanos{1};
  WorkloadSample now;
  now.top_process_cpu_share = std::numeric_limits<double>::quiet_NaN();
  now.memory_current_bytes = ~0ull;
  now.net_queue_depth = ~0ull;
  Tick t;
  t.cpu_cores = std::numeric_limits<double>::infinity();
  t.runq_p99_ns = std::numeric_limits<double>::quiet_NaN();
  t.psi_cpu_some = -5;
  t.request_p99_ns = 1e300;
  FeatureWindow w;
  w.push(t);
  const FeatureVector v = extract(t, w, now, info, host);
  for (size_t i = 0; i < kFeatureCount; ++i) {
    EXPECT_TRUE(std::isfinite(v[i])) << feature_name(static_cast<Feature>(i));
    EXPECT_GE(v[i], -1) << feature_name(static_cast<Feature>(i));
    EXPECT_LE(v[i], 1) << feature_name(static_cast<Feature>(i));
  }
}

TEST(FeatureTracker, ReplayGivesTheSameVectors) {
  std::vector<WorkloadInfo> infos(1);
  infos[0].name = "w";
  auto run = [&] {
    FeatureTracker tracker(HostContext{});
    std::vector<FeatureVector> out;
    for (uint64_t i = 1; i <= 20; ++i) {
      HostSample s;
      s.at = kTick * static_cast<int64_t>(i);
      s.cpus = 8;
      s.workloads.push_back(busy_sample(i * i));
      for (const auto& e : tracker.update(s, infos)) out.push_back(e.features);
    }
    return out;
  };
  const auto a = run();
  EXPECT_EQ(a.size(), 19u);  // the first sample has no rates
  EXPECT_EQ(a, run());
}

TEST(FeatureNames, AllDistinctAndKnown) {
  for (size_t i = 0; i < kFeatureCount; ++i) {
    EXPECT_STRNE(feature_name(static_cast<Feature>(i)), "unknown");
    for (size_t j = 0; j < i; ++j) {
      EXPECT_STRNE(feature_name(static_cast<Feature>(i)), feature_name(static_cast<Feature>(j)));
    }
  }
}

}  // namespace
}  // namespace dwae::features
