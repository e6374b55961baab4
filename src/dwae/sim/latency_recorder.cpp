// Log-linear bucketing: values below 64 ns map one to one; above, each power of two is split
// into 64 equal sub-buckets, so a bucket is at most 1/64 of its value wide.
#include "dwae/sim/latency_recorder.h"

#include <cmath>

namespace dwae::sim {

double LatencyRecorder::lower_of(int index) {
  if (index < kSub) return index;
  const int shift = index / kSub - 1;
  const int sub = index % kSub;
  return std::ldexp(static_cast<double>(kSub + sub), shift);
}

double LatencyRecorder::upper_of(int index) {
  if (index < kSub) return index + 1;
  const int shift = index / kSub - 1;
  return lower_of(index) + std::ldexp(1.0, shift);
}

void LatencyRecorder::merge(const LatencyRecorder& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.lowest_ < lowest_) lowest_ = other.lowest_;
  if (other.highest_ > highest_) highest_ = other.highest_;
}

void LatencyRecorder::clear() {
  for (int i = lowest_; i <= highest_; ++i) buckets_[static_cast<size_t>(i)] = 0;
  lowest_ = kBuckets;
  highest_ = -1;
  count_ = 0;
  sum_ = 0;
}

double LatencyRecorder::quantile(double q) const {
  if (count_ == 0) return 0;
  const double rank = q * static_cast<double>(count_);
  double seen = 0;
  for (int i = lowest_; i <= highest_; ++i) {
    const auto n = static_cast<double>(buckets_[static_cast<size_t>(i)]);
    if (n == 0) continue;
    if (seen + n >= rank) {
      // Linear inside the bucket.
      const double within = n == 0 ? 0.5 : (rank - seen) / n;
      return lower_of(i) + (upper_of(i) - lower_of(i)) * within;
    }
    seen += n;
  }
  return upper_of(kBuckets - 1);
}

double LatencyRecorder::share_above(uint64_t threshold_ns) const {
  if (count_ == 0) return 0;
  const int limit = index_of(threshold_ns);
  uint64_t above = 0;
  for (int i = limit + 1; i <= highest_; ++i) above += buckets_[static_cast<size_t>(i)];
  return static_cast<double>(above) / static_cast<double>(count_);
}

}  // namespace dwae::sim
