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

namespace {

// The value of rank `rank` in bucket `index`, which holds `n` values above `seen` others:
// linear inside the bucket.
double value_in(int index, double seen, double n, double rank) {
  const double within = (rank - seen) / n;
  const double lower = LatencyRecorder::lower_of(index);
  return lower + (LatencyRecorder::upper_of(index) - lower) * within;
}

}  // namespace

// The bucket is the lowest whose cumulative count reaches q x count. From the bottom, the counts
// below a bucket are summed; from the top, they are count less those above it. Both are exact
// integers, so either way gives the same bucket and the same value.
double LatencyRecorder::quantile(double q) const {
  if (count_ == 0) return 0;
  const double rank = q * static_cast<double>(count_);
  if (q < 0.5) {
    double seen = 0;
    for (int i = lowest_; i <= highest_; ++i) {
      const auto n = static_cast<double>(buckets_[static_cast<size_t>(i)]);
      if (n == 0) continue;
      if (seen + n >= rank) return value_in(i, seen, n, rank);
      seen += n;
    }
    return upper_of(kBuckets - 1);
  }
  if (rank > static_cast<double>(count_)) return upper_of(kBuckets - 1);  // q > 1
  uint64_t above = 0;  // values in the buckets above i
  int found = -1;
  for (int i = highest_; i >= lowest_; --i) {
    const uint64_t n = buckets_[static_cast<size_t>(i)];
    if (n == 0) continue;
    if (static_cast<double>(count_ - above) < rank) break;  // cumulative count up to i
    found = i;
    above += n;
  }
  const uint64_t n = buckets_[static_cast<size_t>(found)];
  return value_in(found, static_cast<double>(count_ - above), static_cast<double>(n), rank);
}

double LatencyRecorder::share_above(uint64_t threshold_ns) const {
  if (count_ == 0) return 0;
  const int limit = index_of(threshold_ns);
  uint64_t above = 0;
  for (int i = limit + 1; i <= highest_; ++i) above += buckets_[static_cast<size_t>(i)];
  return static_cast<double>(above) / static_cast<double>(count_);
}

}  // namespace dwae::sim
