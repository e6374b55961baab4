// LatencyRecorder: the report's latency histogram (log-linear buckets, quantiles within 1 %).
#include "dwae/sim/latency_recorder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "dwae/sim/rng.h"

namespace dwae::sim {
namespace {

// Latencies from 20 ns to about 1 s, log-spread, as a report sees them.
std::vector<uint64_t> latencies(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint64_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint64_t>(rng.lognormal(2e6, 3.0)) + 20);
  return out;
}

// The quantile by a scan from the lowest bucket, summing the counts below.
double quantile_from_bottom(const std::vector<uint64_t>& values, double q) {
  std::vector<uint64_t> buckets(LatencyRecorder::kBuckets, 0);
  for (const uint64_t v : values) ++buckets[static_cast<size_t>(LatencyRecorder::index_of(v))];
  const double rank = q * static_cast<double>(values.size());
  double seen = 0;
  for (int i = 0; i < LatencyRecorder::kBuckets; ++i) {
    const auto n = static_cast<double>(buckets[static_cast<size_t>(i)]);
    if (n == 0) continue;
    if (seen + n >= rank) {
      const double lower = LatencyRecorder::lower_of(i);
      return lower + (LatencyRecorder::upper_of(i) - lower) * ((rank - seen) / n);
    }
    seen += n;
  }
  return LatencyRecorder::upper_of(LatencyRecorder::kBuckets - 1);
}

TEST(LatencyRecorder, QuantilesFromEitherEndAreTheBottomUpScansExactly) {
  for (const size_t n : {1, 2, 7, 100, 10'000}) {
    const auto values = latencies(n, n);
    auto r = std::make_unique<LatencyRecorder>();
    for (const uint64_t v : values) r->add(v);
    for (const double q : {0.0, 0.01, 0.25, 0.4999, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0}) {
      EXPECT_EQ(r->quantile(q), quantile_from_bottom(values, q)) << "n " << n << ", q " << q;
    }
  }
}

TEST(LatencyRecorder, QuantilesAreWithinABucketOfTheExactValue) {
  auto values = latencies(100'000, 7);
  auto r = std::make_unique<LatencyRecorder>();
  for (const uint64_t v : values) r->add(v);
  std::sort(values.begin(), values.end());
  for (const double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto exact = static_cast<double>(values[static_cast<size_t>(q * 100'000) - 1]);
    EXPECT_NEAR(r->quantile(q), exact, exact / 64 + 1) << q;
  }
}

TEST(LatencyRecorder, ClearEmptiesAndMergeAddsCountsAndSums) {
  auto a = std::make_unique<LatencyRecorder>();
  auto b = std::make_unique<LatencyRecorder>();
  a->add(1000);
  a->add(3000);
  b->add(5'000'000, 2);
  a->merge(*b);
  EXPECT_EQ(a->count(), 4u);
  EXPECT_DOUBLE_EQ(a->mean(), (1000 + 3000 + 10'000'000) / 4.0);
  EXPECT_DOUBLE_EQ(a->share_above(4000), 0.5);
  EXPECT_NEAR(a->quantile(1.0), 5e6, 5e6 / 64);
  a->clear();
  EXPECT_EQ(a->count(), 0u);
  EXPECT_EQ(a->quantile(0.99), 0);
  a->add(2000);
  EXPECT_NEAR(a->quantile(0.5), 2000, 2000.0 / 64);  // nothing left of the earlier values
  const int bucket = LatencyRecorder::index_of(2000);
  for (const double q : {0.01, 1.0}) {
    EXPECT_GE(a->quantile(q), LatencyRecorder::lower_of(bucket)) << q;
    EXPECT_LE(a->quantile(q), LatencyRecorder::upper_of(bucket)) << q;
  }
}

}  // namespace
}  // namespace dwae::sim
