// A log-linear latency histogram (64 linear sub-buckets per power of two, like HdrHistogram)
// for reports: quantiles within about 1 % where Log2Histogram's power-of-two buckets would be
// off by up to 50 %. It remembers which buckets it touched, so clearing and scanning a sparse
// window histogram cost what the window held, not all 2,688 buckets.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace dwae::sim {

class LatencyRecorder {
 public:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = 42 * kSub;

  // The bucket of a value: callers recording one value into several histograms compute it once.
  static int index_of(uint64_t value_ns) {
    if (value_ns < static_cast<uint64_t>(kSub)) return static_cast<int>(value_ns);
    const int msb = 63 - std::countl_zero(value_ns);  // >= kSubBits
    const int shift = msb - kSubBits;
    const int sub = static_cast<int>((value_ns >> shift) & (kSub - 1));
    const int index = (shift + 1) * kSub + sub;
    return index < kBuckets ? index : kBuckets - 1;
  }
  void add(uint64_t value_ns, uint64_t count = 1) { add_at(index_of(value_ns), value_ns, count); }
  // Adds `count` values of `value_ns`, whose bucket is `index` (= index_of(value_ns)).
  void add_at(int index, uint64_t value_ns, uint64_t count = 1) {
    buckets_[static_cast<size_t>(index)] += count;
    count_ += count;
    sum_ += static_cast<double>(value_ns) * static_cast<double>(count);
    if (index < lowest_) lowest_ = index;
    if (index > highest_) highest_ = index;
  }
  void merge(const LatencyRecorder& other);
  void clear();
  uint64_t count() const { return count_; }
  double mean() const { return count_ == 0 ? 0 : sum_ / static_cast<double>(count_); }
  // The q-quantile in nanoseconds, linear inside its bucket; 0 when empty. The bucket is found
  // from the nearer end: a P99 reads the top 1 % of the buckets, not the other 99 %.
  double quantile(double q) const;
  // Share of recorded values strictly above `threshold_ns` (bucket resolution).
  double share_above(uint64_t threshold_ns) const;
  // The values a bucket holds: [lower_of(index), upper_of(index)).
  static double lower_of(int index);
  static double upper_of(int index);

 private:
  uint64_t count_ = 0;
  double sum_ = 0;
  int lowest_ = kBuckets, highest_ = -1;  // the touched buckets; empty when lowest_ > highest_
  std::array<uint64_t, kBuckets> buckets_{};
};

}  // namespace dwae::sim
