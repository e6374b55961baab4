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

// Four batches captured from redis-benchmark 7.0 (LRANGE, 500 requests each, 4 clients). Its
// two distributions step by 0.1 ms (1 ms above 2 ms) and by halving percentiles, so the 495th
// request of batch 0 is only known to lie in (0.607, 0.703] ms; the summary table says where:
// redis-benchmark's own p99 is 0.615 ms.
TEST(RedisBenchmarkParser, P99IsRedisBenchmarksOwnNotABucketEdge) {
  const std::string batch0 = data("redis-batch0.out");
  auto counts = parse_redis_benchmark(batch0);
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_DOUBLE_EQ(counts->quantile_s(0.99), 0.615e-3);
  EXPECT_DOUBLE_EQ(service_run_from_counts("redis", *counts).p99_s, 0.615e-3);
  // Without the summary table only the coarse bucket edge is left.
  auto coarse = parse_redis_benchmark(batch0.substr(0, batch0.find("Summary:")));
  ASSERT_TRUE(coarse.ok()) << coarse.error().message;
  EXPECT_DOUBLE_EQ(coarse->quantile_s(0.99), 0.703e-3);
  // Every batch: P50, P95 and P99 as redis-benchmark printed them.
  const double own[4][3] = {
      {0.223, 0.415, 0.615}, {0.231, 0.407, 0.935}, {0.239, 0.367, 0.543}, {0.247, 0.407, 1.727}};
  for (int b = 0; b < 4; ++b) {
    auto batch = parse_redis_benchmark(data("redis-batch" + std::to_string(b) + ".out"));
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    EXPECT_EQ(batch->requests, 500u);
    EXPECT_DOUBLE_EQ(batch->quantile_s(0.5), own[b][0] * 1e-3) << "batch " << b;
    EXPECT_DOUBLE_EQ(batch->quantile_s(0.95), own[b][1] * 1e-3) << "batch " << b;
    EXPECT_DOUBLE_EQ(batch->quantile_s(0.99), own[b][2] * 1e-3) << "batch " << b;
    EXPECT_DOUBLE_EQ(batch->quantile_s(1.0), batch->buckets.back().upper_s);
  }
}

// The P99 of 2000 requests is the 1980th, not the mean of four per-batch P99s (0.955 ms): the
// merged curve puts it in (0.935, 1.007] ms (batch 1 has one request there), and the quantile is
// that bound.
TEST(RedisBenchmarkParser, BatchesMergeAsOneDistribution) {
  LatencyCounts merged;
  for (int b = 0; b < 4; ++b) {
    auto batch = parse_redis_benchmark(data("redis-batch" + std::to_string(b) + ".out"));
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    merged.merge(*batch);
  }
  EXPECT_EQ(merged.requests, 2000u);
  uint64_t total = 0;
  for (const auto& bucket : merged.buckets) total += bucket.count;
  EXPECT_EQ(total, 2000u);
  EXPECT_DOUBLE_EQ(merged.quantile_s(0.99), 1.007e-3);
  EXPECT_DOUBLE_EQ(merged.quantile_s(1.0), 3.591e-3);  // batch 3's max
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
  EXPECT_EQ(wrk->errors.timeout, 0u);
  EXPECT_EQ(wrk->errors.status, 0u);
  ASSERT_EQ(wrk->quantiles.size(), cdf_quantiles().size());
  EXPECT_DOUBLE_EQ(wrk->quantiles.back().q, 1.0);
  EXPECT_GT(wrk->quantiles.back().seconds, 0);  // the maximum, not wrk's 0 for percentile(100)
  const auto run = service_run_from_wrk("nginx", *wrk);
  EXPECT_DOUBLE_EQ(run.p50_s, 150e-6);
  EXPECT_DOUBLE_EQ(run.p99_s, 6690e-6);
  EXPECT_DOUBLE_EQ(run.p999_s, 11137e-6);
  ASSERT_EQ(run.cdf.size(), cdf_quantiles().size());
  EXPECT_DOUBLE_EQ(run.cdf.back().seconds, 13767e-6);
  EXPECT_GT(run.requests_per_s, 0);
}

// Captured from wrk 4.1 with the done script against a loopback server that answers 1 % of the
// requests after 2.6 s (wrk's timeout is 2 s), drops 1 % of the connections and answers 3 % with
// 503. wrk keeps the timed-out requests out of its histogram, whose P99.9 (72.5 ms) would hide
// them.
TEST(WrkParser, TimeoutsAreTheSlowestRequestsNotDropped) {
  auto wrk = parse_wrk_output(data("wrk-timeouts.txt"));
  ASSERT_TRUE(wrk.ok()) << wrk.error().message;
  EXPECT_EQ(wrk->requests, 669u);
  EXPECT_EQ(wrk->errors.connect, 0u);
  EXPECT_EQ(wrk->errors.read, 6u);
  EXPECT_EQ(wrk->errors.write, 0u);
  EXPECT_EQ(wrk->errors.status, 30u);
  EXPECT_EQ(wrk->errors.timeout, 4u);
  const auto population = wrk_population(*wrk);
  EXPECT_EQ(population.in_histogram, 665u);
  EXPECT_EQ(population.timed_out, 4u);
  const auto run = service_run_from_wrk("nginx", *wrk);
  // 669 requests, the slowest 4 at least 2 s: P99 is the histogram's 662.31 / 665 share ...
  EXPECT_DOUBLE_EQ(run.p99_s, 68020e-6);
  // ... and everything from rank 665.66 (P99.5) on is a timeout.
  EXPECT_DOUBLE_EQ(run.p999_s, kWrkTimeoutS);
  EXPECT_DOUBLE_EQ(run.cdf.back().seconds, kWrkTimeoutS);
  EXPECT_DOUBLE_EQ(run.p50_s, 48187e-6);
  for (size_t i = 1; i < run.cdf.size(); ++i) EXPECT_LE(run.cdf[i - 1].seconds, run.cdf[i].seconds);
  EXPECT_NEAR(run.requests_per_s, 669 / 6.099463, 1e-9);
}

// The same capture: the run keeps what failed, so that the report can say it.
TEST(WrkParser, TheRunKeepsWrksErrorCounts) {
  auto wrk = parse_wrk_output(data("wrk-timeouts.txt"));
  ASSERT_TRUE(wrk.ok()) << wrk.error().message;
  const auto run = service_run_from_wrk("nginx", *wrk);
  EXPECT_EQ(run.errors.connect, 0u);
  EXPECT_EQ(run.errors.read, 6u);
  EXPECT_EQ(run.errors.write, 0u);
  EXPECT_EQ(run.errors.status, 30u);
  EXPECT_EQ(run.errors.timeout, 4u);
  EXPECT_TRUE(run.errors.any());

  auto clean = parse_wrk_output(data("wrk-done.txt"));
  ASSERT_TRUE(clean.ok()) << clean.error().message;
  EXPECT_FALSE(service_run_from_wrk("nginx", *clean).errors.any());
  // redis-benchmark counts no errors: a redis run has none.
  auto redis = parse_redis_benchmark(data("redis-benchmark-lrange.txt"));
  ASSERT_TRUE(redis.ok()) << redis.error().message;
  EXPECT_FALSE(service_run_from_counts("redis", *redis).errors.any());
}

TEST(WrkParser, OnlyTimeoutsMeanEveryQuantileIsTheTimeout) {
  auto wrk = parse_wrk_output(
      "dwae-wrk requests 0\ndwae-wrk duration_us 1000000\n"
      "dwae-wrk errors connect 0 read 0 write 0 status 0 timeout 8\ndwae-wrk q 50 0\n"
      "dwae-wrk q 100 0\n  Socket errors: connect 0, read 0, write 0, timeout 8\n");
  ASSERT_TRUE(wrk.ok()) << wrk.error().message;
  const auto run = service_run_from_wrk("nginx", *wrk, 1.5);
  EXPECT_DOUBLE_EQ(run.p50_s, 1.5);
  EXPECT_DOUBLE_EQ(run.p99_s, 1.5);
}

TEST(WrkParser, RefusesOutputWithoutTheScript) {
  EXPECT_FALSE(parse_wrk_output("Running 2s test @ http://127.0.0.1:1/\n").ok());
  EXPECT_FALSE(parse_wrk_output("dwae-wrk requests 10\ndwae-wrk duration_us 100\n").ok());
  const std::string head =
      "dwae-wrk requests 1\ndwae-wrk duration_us 1\n"
      "dwae-wrk errors connect 0 read 0 write 0 status 0 timeout 0\n";
  EXPECT_TRUE(parse_wrk_output(head + "dwae-wrk q 50 5\n").ok());
  EXPECT_FALSE(parse_wrk_output(head + "dwae-wrk q 101 5\n").ok());
  // Error counts are not optional: a script that does not print them is not this one.
  EXPECT_FALSE(
      parse_wrk_output("dwae-wrk requests 1\ndwae-wrk duration_us 1\ndwae-wrk q 50 5\n").ok());
  EXPECT_FALSE(parse_wrk_output("dwae-wrk requests 1\ndwae-wrk duration_us 1\n"
                                "dwae-wrk errors 3\ndwae-wrk q 50 5\n")
                   .ok());
  // wrk's own error lines must agree with the script's counts.
  auto disagree = parse_wrk_output(
      head + "dwae-wrk q 50 5\n  Socket errors: connect 0, read 0, write 0, timeout 2\n");
  ASSERT_FALSE(disagree.ok());
  EXPECT_NE(disagree.error().message.find("disagree"), std::string::npos);
  EXPECT_FALSE(parse_wrk_output(head + "dwae-wrk q 50 5\n  Non-2xx or 3xx responses: 4\n").ok());
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
