// Log2Histogram: bucket boundaries, quantiles and deltas.
#include "dwae/host/histogram.h"

#include <gtest/gtest.h>

namespace dwae {
namespace {

TEST(Log2Histogram, BucketBoundaries) {
  EXPECT_EQ(Log2Histogram::bucket_of(0), 0u);
  EXPECT_EQ(Log2Histogram::bucket_of(1), 0u);
  EXPECT_EQ(Log2Histogram::bucket_of(2), 1u);
  EXPECT_EQ(Log2Histogram::bucket_of(3), 1u);
  EXPECT_EQ(Log2Histogram::bucket_of(1024), 10u);
  EXPECT_EQ(Log2Histogram::bucket_of(UINT64_MAX), Log2Histogram::kBuckets - 1);
}

TEST(Log2Histogram, QuantilesInterpolateInsideBuckets) {
  Log2Histogram h;
  EXPECT_EQ(h.quantile(0.99), 0.0);
  h.add(1000, 90);    // bucket 9: [512, 1024)
  h.add(100000, 10);  // bucket 16: [65536, 131072)
  EXPECT_EQ(h.total(), 100u);
  EXPECT_GE(h.quantile(0.5), 512.0);
  EXPECT_LT(h.quantile(0.5), 1024.0);
  EXPECT_GE(h.quantile(0.99), 65536.0);
  EXPECT_LE(h.quantile(0.99), 131072.0);
  EXPECT_LE(h.quantile(0.5), h.quantile(0.9));
  EXPECT_DOUBLE_EQ(h.quantile(2.0), h.quantile(1.0));
}

TEST(Log2Histogram, DeltaOfCumulativeHistograms) {
  Log2Histogram before, now;
  before.add(10, 5);
  now.add(10, 8);
  now.add(5000, 2);
  const auto d = Log2Histogram::delta(now, before);
  EXPECT_EQ(d.total(), 5u);
  EXPECT_EQ(d.buckets[Log2Histogram::bucket_of(10)], 3u);
  EXPECT_EQ(Log2Histogram::delta(before, now).total(), 0u);  // counters reset: no negatives
}

}  // namespace
}  // namespace dwae
