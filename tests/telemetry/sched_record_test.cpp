// The BPF side's histogram bucket (bpf/sched_record.h) is Log2Histogram's, value for value.
#include "sched_record.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "dwae/host/histogram.h"

namespace dwae {
namespace {

TEST(SchedDelayBucket, MatchesLog2HistogramAtEveryPowerOfTwoEdge) {
  static_assert(DWAE_SCHED_HIST_BUCKETS == Log2Histogram::kBuckets);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, ~uint64_t{0}}) {
    EXPECT_EQ(dwae_sched_delay_bucket(v), Log2Histogram::bucket_of(v)) << v;
  }
  for (int i = 1; i < 64; ++i) {
    const uint64_t p = uint64_t{1} << i;
    for (const uint64_t v : {p - 1, p, p + 1}) {
      EXPECT_EQ(dwae_sched_delay_bucket(v), Log2Histogram::bucket_of(v)) << v;
    }
  }
}

TEST(SchedDelayBucket, MatchesLog2HistogramOnSeededRandomValues) {
  std::mt19937_64 rng(42);
  for (int n = 0; n < 100000; ++n) {
    const uint64_t v = rng() >> (rng() % 64);  // spread over all magnitudes
    ASSERT_EQ(dwae_sched_delay_bucket(v), Log2Histogram::bucket_of(v)) << v;
  }
}

}  // namespace
}  // namespace dwae
