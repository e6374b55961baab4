// Log2Histogram arithmetic.
#include "dwae/host/histogram.h"

#include <bit>

namespace dwae {

size_t Log2Histogram::bucket_of(uint64_t value_ns) {
  if (value_ns < 2) return 0;
  const size_t b = static_cast<size_t>(std::bit_width(value_ns) - 1);
  return b < kBuckets ? b : kBuckets - 1;
}

void Log2Histogram::add(uint64_t value_ns, uint64_t count) {
  buckets[bucket_of(value_ns)] += count;
}

uint64_t Log2Histogram::total() const {
  uint64_t n = 0;
  for (const auto b : buckets) n += b;
  return n;
}

double Log2Histogram::quantile(double q) const {
  const uint64_t n = total();
  if (n == 0) return 0;
  if (q < 0) q = 0;
  if (q > 1) q = 1;
  const double rank = q * static_cast<double>(n);
  double seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    if (buckets[i] == 0) continue;
    const double next = seen + static_cast<double>(buckets[i]);
    if (rank <= next) {
      const double lo = i == 0 ? 0.0 : static_cast<double>(uint64_t{1} << i);
      const double hi = static_cast<double>(uint64_t{1} << (i + 1));
      const double frac = (rank - seen) / static_cast<double>(buckets[i]);
      return lo + frac * (hi - lo);
    }
    seen = next;
  }
  return static_cast<double>(uint64_t{1} << kBuckets);
}

Log2Histogram Log2Histogram::delta(const Log2Histogram& now, const Log2Histogram& before) {
  Log2Histogram d;
  for (size_t i = 0; i < kBuckets; ++i) {
    d.buckets[i] = now.buckets[i] >= before.buckets[i] ? now.buckets[i] - before.buckets[i] : 0;
  }
  return d;
}

}  // namespace dwae
