// A log-linear latency histogram (64 linear sub-buckets per power of two, like HdrHistogram)
// for reports: quantiles within about 1 % where Log2Histogram's power-of-two buckets would be
// off by up to 50 %.
#pragma once

#include <array>
#include <cstdint>

namespace dwae::sim {

class LatencyRecorder {
 public:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = 42 * kSub;

  void add(uint64_t value_ns, uint64_t count = 1);
  void merge(const LatencyRecorder& other);
  void clear();
  uint64_t count() const { return count_; }
  double mean() const { return count_ == 0 ? 0 : sum_ / static_cast<double>(count_); }
  // The q-quantile in nanoseconds (bucket midpoint); 0 when empty.
  double quantile(double q) const;
  // Share of recorded values strictly above `threshold_ns` (bucket resolution).
  double share_above(uint64_t threshold_ns) const;

 private:
  static int index_of(uint64_t value_ns);
  static double lower_of(int index);
  static double upper_of(int index);
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace dwae::sim
