// The output parsers on output captured from the real tools on this machine (tests/bench/data).
#include "dwae/bench/parsers.h"

#include <gtest/gtest.h>

#include <chrono>

#include "support/temp_dir.h"

namespace dwae::bench {
namespace {

std::string data(const std::string& name) {
  return test::read_text(std::string(DWAE_SOURCE_DIR) + "/tests/bench/data/" + name);
}

TEST(RedisBenchmarkParser, ReadsBothDistributionsOfCapturedOutput) {
  auto counts = parse_redis_benchmark(data("redis-benchmark-lrange.txt"));
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->requests, 2000u);
  EXPECT_DOUBLE_EQ(counts->elapsed_s, 0.77);
  uint64_t total = 0;
  for (const auto& b : counts->buckets) total += b.count;
  EXPECT_EQ(total, 2000u);
  // "50.000% <= 0.239 milliseconds (cumulative count 1034)": 1034 of 2000 at or below it.
  EXPECT_DOUBLE_EQ(counts->quantile_s(0.5), 0.239e-3);
  EXPECT_DOUBLE_EQ(counts->quantile_s(1.0), 60.127e-3);
  const auto run = service_run_from_counts("redis", *counts);
  EXPECT_EQ(run.cdf.size(), cdf_quantiles().size());
  EXPECT_LE(run.p50_s, run.p99_s);
  EXPECT_LE(run.p99_s, run.p999_s);
  EXPECT_NEAR(run.requests_per_s, 2000 / 0.77, 1e-6);
  for (size_t i = 1; i < run.cdf.size(); ++i) EXPECT_LE(run.cdf[i - 1].seconds, run.cdf[i].seconds);
}

TEST(RedisBenchmarkParser, MergedBatchesAddUp) {
  auto one = parse_redis_benchmark(data("redis-benchmark-lrange.txt"));
  ASSERT_TRUE(one.ok());
  LatencyCounts merged;
  merged.merge(*one);
  merged.merge(*one);
  EXPECT_EQ(merged.requests, 4000u);
  EXPECT_DOUBLE_EQ(merged.quantile_s(0.5), one->quantile_s(0.5));
  EXPECT_DOUBLE_EQ(merged.quantile_s(0.99), one->quantile_s(0.99));
}

TEST(RedisBenchmarkParser, RefusesOutputWithoutSummaryOrDistribution) {
  EXPECT_FALSE(parse_redis_benchmark("").ok());
  EXPECT_FALSE(
      parse_redis_benchmark("Could not connect to Redis at 127.0.0.1:1: Connection refused").ok());
  EXPECT_FALSE(parse_redis_benchmark("  10 requests completed in 0.01 seconds\n").ok());
  // Counts that do not add up to the summary are refused, not silently used.
  EXPECT_FALSE(parse_redis_benchmark("  10 requests completed in 0.01 seconds\n"
                                     "50.000% <= 0.239 milliseconds (cumulative count 5)\n")
                   .ok());
}

TEST(WrkParser, ReadsTheDoneScriptLines) {
  auto wrk = parse_wrk_output(data("wrk-done.txt"));
  ASSERT_TRUE(wrk.ok()) << wrk.error().message;
  EXPECT_GT(wrk->requests, 0u);
  EXPECT_GT(wrk->duration_s, 1.5);
  EXPECT_EQ(wrk->errors, 0u);
  ASSERT_EQ(wrk->quantiles.size(), cdf_quantiles().size());
  EXPECT_DOUBLE_EQ(wrk->quantiles.back().q, 1.0);
  EXPECT_GT(wrk->quantiles.back().seconds, 0);  // the maximum, not wrk's 0 for percentile(100)
  const auto run = service_run_from_wrk("nginx", *wrk);
  EXPECT_GT(run.p50_s, 0);
  EXPECT_LE(run.p50_s, run.p99_s);
  EXPECT_LE(run.p99_s, run.p999_s);
  EXPECT_GT(run.requests_per_s, 0);
}

TEST(WrkParser, RefusesOutputWithoutTheScript) {
  EXPECT_FALSE(parse_wrk_output("Running 2s test @ http://127.0.0.1:1/\n").ok());
  EXPECT_FALSE(parse_wrk_output("dwae-wrk requests 10\ndwae-wrk duration_us 100\n").ok());
  EXPECT_FALSE(
      parse_wrk_output("dwae-wrk requests 1\ndwae-wrk duration_us 1\ndwae-wrk q 101 5\n").ok());
}

TEST(WrkScript, AsksForRangesOnlyWhenToldTo) {
  EXPECT_EQ(wrk_done_script(0).find("Range"), std::string::npos);
  const auto ranges = wrk_done_script(256ull << 20);
  EXPECT_NE(ranges.find("Range"), std::string::npos);
  EXPECT_NE(ranges.find("math.random(0, 4095)"), std::string::npos);
}

TEST(StressNgParser, ReadsTheRealTimeRate) {
  auto rate = parse_stress_ng_rate(data("stress-ng-cpu.txt"), "cpu");
  ASSERT_TRUE(rate.ok()) << rate.error().message;
  EXPECT_DOUBLE_EQ(*rate, 281.19);
  EXPECT_FALSE(parse_stress_ng_rate(data("stress-ng-cpu.txt"), "vm").ok());
  EXPECT_FALSE(parse_stress_ng_rate("", "cpu").ok());
}

TEST(FioParser, AddsReadAndWriteBandwidth) {
  auto mib = parse_fio_mib_per_s(data("fio-randwrite.json"));
  ASSERT_TRUE(mib.ok()) << mib.error().message;
  EXPECT_NEAR(*mib, 12791053.0 / (1024 * 1024), 1e-6);
  EXPECT_FALSE(parse_fio_mib_per_s("fio: terminating on signal 2").ok());
  EXPECT_FALSE(parse_fio_mib_per_s("{\"jobs\": []}").ok());
}

TEST(AuditParser, AppliedNumericChangesBecomeWeightPoints) {
  const std::string audit =
      R"({"time":"2026-11-26T11:00:01.500Z","workload":"hogs","class":"best-effort","resource":"cpu.weight","old":"100","new":"75","policy":"feedback","reason":"r","features":[],"guards":[],"dry_run":false,"result":"applied"})"
      "\n"
      R"({"time":"2026-11-26T11:00:02.000Z","workload":"dwae-bench-1-x/tenants/hogs","resource":"cpu.idle","old":"false","new":"true","policy":"feedback","reason":"r","features":[],"guards":[],"dry_run":false,"result":"applied"})"
      "\n"
      R"({"time":"2026-11-26T11:00:02.000Z","workload":"redis","resource":"memory.high","old":"max","new":"max","policy":"feedback","reason":"r","features":[],"guards":[],"dry_run":false,"result":"applied"})"
      "\n"
      R"({"time":"2026-11-26T11:00:03.000Z","workload":"hogs","resource":"cpu.weight","old":"75","new":"50","policy":"feedback","reason":"r","features":[],"guards":[],"dry_run":false,"result":"rolled-back"})"
      "\nnot json\n";
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 26;
  tm.tm_hour = 11;
  const auto start = std::chrono::system_clock::from_time_t(::timegm(&tm));
  const auto points = weights_from_audit(audit, start);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].t_s, 1.5);
  EXPECT_EQ(points[0].workload, "hogs");
  EXPECT_EQ(points[0].resource, "cpu.weight");
  EXPECT_DOUBLE_EQ(points[0].value, 75);
  EXPECT_EQ(points[1].workload, "hogs");
  EXPECT_EQ(points[1].resource, "cpu.idle");
  EXPECT_DOUBLE_EQ(points[1].value, 1);
}

}  // namespace
}  // namespace dwae::bench
