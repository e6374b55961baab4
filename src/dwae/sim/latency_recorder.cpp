// Log-linear bucketing: values below 64 ns map one to one; above, each power of two is split
// into 64 equal sub-buckets, so a bucket is at most 1/64 of its value wide.
#include "dwae/sim/latency_recorder.h"

#include <bit>
#include <cmath>

namespace dwae::sim {

int LatencyRecorder::index_of(uint64_t value_ns) {
  if (value_ns < static_cast<uint64_t>(kSub)) return static_cast<int>(value_ns);
  const int msb = 63 - std::countl_zero(value_ns);  // >= kSubBits
  const int shift = msb - kSubBits;
  const int sub = static_cast<int>((value_ns >> shift) & (kSub - 1));
  const int index = (shift + 1) * kSub + sub;
  return index < kBuckets ? index : kBuckets - 1;
}

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

void LatencyRecorder::add(uint64_t value_ns, uint64_t count) {
  buckets_[static_cast<size_t>(index_of(value_ns))] += count;
  count_ += count;
  sum_ += static_cast<double>(value_ns) * static_cast<double>(count);
}

void LatencyRecorder::merge(const LatencyRecorder& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
}

void LatencyRecorder::clear() {
  buckets_.fill(0);
  count_ = 0;
  sum_ = 0;
}

double LatencyRecorder::quantile(double q) const {
  if (count_ == 0) return 0;
  const double rank = q * static_cast<double>(count_);
  double seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
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
  for (int i = limit + 1; i < kBuckets; ++i) above += buckets_[static_cast<size_t>(i)];
  return static_cast<double>(above) / static_cast<double>(count_);
}

}  // namespace dwae::sim
