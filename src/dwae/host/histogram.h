// Log2Histogram: the latency histogram shape shared by eBPF maps, the simulator and features.
// Bucket i counts values v (nanoseconds) with 2^i <= v < 2^(i+1); bucket 0 also holds v < 1.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace dwae {

struct Log2Histogram {
  static constexpr size_t kBuckets = 40;  // up to 2^40 ns, about 18 minutes
  std::array<uint64_t, kBuckets> buckets{};

  static size_t bucket_of(uint64_t value_ns);
  void add(uint64_t value_ns, uint64_t count = 1);
  uint64_t total() const;
  // The q-quantile (0..1) in nanoseconds, interpolated linearly inside the bucket that holds
  // it; 0 for an empty histogram.
  double quantile(double q) const;
  // Element-wise now - before, for cumulative histograms; buckets that went down count as 0.
  static Log2Histogram delta(const Log2Histogram& now, const Log2Histogram& before);
  bool operator==(const Log2Histogram&) const = default;
};

}  // namespace dwae
