// Parsers for what the benchmark's real tools print: redis-benchmark's latency distribution,
// the wrk `done` script's percentiles, stress-ng --metrics-brief, fio's JSON and the agent's
// audit trail. Each takes text and returns values, so each is tested on captured output.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/bench/results.h"
#include "dwae/common/result.h"

namespace dwae::bench {

// A latency distribution as counts: `count` requests took at most `upper_s` (and more than the
// previous bucket's bound). Batches of one service are merged by concatenating their buckets.
struct LatencyBucket {
  double upper_s = 0;
  uint64_t count = 0;
};
struct LatencyCounts {
  std::vector<LatencyBucket> buckets;  // ascending upper_s after normalise()
  uint64_t requests = 0;
  double elapsed_s = 0;  // time the requests took (sum over batches)

  void merge(const LatencyCounts& other);
  // Sorts the buckets and joins equal bounds.
  void normalise();
  // Smallest bucket bound at or below which at least share q of the requests lie.
  double quantile_s(double q) const;
};

// The quantiles every ServiceRun's CDF carries (ascending, ending at 1.0).
const std::vector<double>& cdf_quantiles();

// A ServiceRun from counts: the CDF at cdf_quantiles(), P50/P99/P99.9, requests per second.
ServiceRun service_run_from_counts(const std::string& name, const LatencyCounts& counts);

// redis-benchmark (7.x) default output of one test: every "P% <= L milliseconds (cumulative
// count N)" line of both distributions and "N requests completed in S seconds".
Result<LatencyCounts> parse_redis_benchmark(std::string_view text);

// The benchmark's wrk `done` script output (see wrk_done_script()): "dwae-wrk requests N",
// "dwae-wrk duration_us D", "dwae-wrk errors E" and "dwae-wrk q PERCENT MICROSECONDS" lines.
struct WrkSummary {
  uint64_t requests = 0;
  uint64_t errors = 0;
  double duration_s = 0;
  std::vector<Quantile> quantiles;  // ascending q
};
Result<WrkSummary> parse_wrk_output(std::string_view text);
ServiceRun service_run_from_wrk(const std::string& name, const WrkSummary& wrk);
// The Lua script wrk runs (`-s FILE`); it prints the lines parse_wrk_output reads. With
// `random_range_bytes` > 0 each request asks for a random 64 KiB range of a file that size.
std::string wrk_done_script(uint64_t random_range_bytes);

// stress-ng --metrics-brief: the "bogo ops/s (real time)" of one stressor ("cpu", "vm", ...).
Result<double> parse_stress_ng_rate(std::string_view text, std::string_view stressor);

// fio --output-format=json: read plus write bandwidth of all jobs, in MiB/s.
Result<double> parse_fio_mib_per_s(std::string_view text);

// The agent's audit.jsonl: one WeightPoint per applied change with a numeric new value, its
// time relative to `load_start` (UTC wall time of the run's load start).
std::vector<WeightPoint> weights_from_audit(std::string_view text,
                                            std::chrono::system_clock::time_point load_start);

}  // namespace dwae::bench
