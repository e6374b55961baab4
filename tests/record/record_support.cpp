// See record_support.h.
#include "record/record_support.h"

#include <limits>

namespace dwae::record::test {

namespace {

Log2Histogram histogram(uint64_t seed) {
  Log2Histogram h;
  for (size_t b = 0; b < Log2Histogram::kBuckets; ++b) h.buckets[b] = (seed * 31 + b * 7) % 97;
  h.buckets[Log2Histogram::kBuckets - 1] = std::numeric_limits<uint64_t>::max() - seed;
  return h;
}

}  // namespace

HostSample make_sample(uint64_t tick, size_t workloads) {
  HostSample s;
  s.at = Nanos{static_cast<int64_t>(tick) * 200'000'000 + 17};
  s.cpus = 96;
  s.memory_total_bytes = (uint64_t{512} << 30) + tick;
  s.psi = {tick, tick * 2, tick * 3, tick * 4, tick * 5, tick * 6};
  for (size_t i = 0; i < workloads; ++i) {
    const uint64_t k = tick * 1000 + i;
    WorkloadSample w;
    // Workload 0 has an empty name; names include non-ASCII UTF-8.
    w.name = i == 0 ? "" : "vm-" + std::to_string(i) + (i % 3 == 0 ? "-\xc3\xa9t\xc3\xa9" : "");
    w.cpu_usage_ns = k * 1'000'003;
    w.nr_periods = k + 1;
    w.nr_throttled = k / 2;
    w.throttled_ns = k * 13;
    w.runq_delay_ns = histogram(k);
    w.runq_delay_total_ns = k * 977;
    w.has_runq_delay = (k % 2) == 0;
    w.psi = {k + 1, k + 2, k + 3, k + 4, k + 5, k + 6};
    w.has_psi = (k % 3) != 0;
    w.memory_current_bytes = k << 20;
    w.memory_high_events = k % 11;
    w.reclaim_stall_ns = k * 3;
    w.pgfault = k * 101;
    w.pgmajfault = k % 5;
    w.oom_kills = i == 1 ? std::numeric_limits<uint64_t>::max() : 0;
    w.remote_memory_accesses = k * 7;
    w.local_memory_accesses = k * 70;
    w.io_latency_ns = histogram(k + 5);
    w.io = {k, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8};
    w.net_rx_bytes = k * 1500;
    w.net_tx_bytes = k * 1400;
    w.net_queue_depth = k % 64;
    w.net_drops = k % 7;
    w.net_retransmits = k % 9;
    w.request_latency_ns = histogram(k + 9);
    w.requests_completed = k * 4;
    w.frames_total = k * 30;
    w.frames_missed = k % 4;
    w.has_requests = (k % 4) != 1;
    w.top_process_cpu_share = static_cast<double>(k % 100) / 100.0 + 1e-9;
    // Applied settings: a different subset known on each workload, so nulls sit beside values.
    if (i % 2 == 0) {
      w.applied.cpu_weight = static_cast<uint32_t>(1 + k % 10000);
      w.applied.cpu_quota_us = i % 4 == 0 ? kNoLimit : k * 10;
      w.applied.cpu_period_us = 100000;
      w.applied.cpu_idle = (k % 3) == 0;
      w.applied.cpuset_cpus = std::vector<uint32_t>{3, 1, 2, static_cast<uint32_t>(i)};
      w.applied.memory_high_bytes = k << 24;
      w.applied.io_limits = std::vector<IoDeviceLimit>{{8, 0, kNoLimit, k * 1000, 500, kNoLimit},
                                                       {259, static_cast<uint32_t>(i), 1, 2, 3, 4}};
      w.applied.net_share = 0.25;
    } else {
      w.applied.cpu_burst_us = k;
      w.applied.cpuset_mems = std::vector<uint32_t>{};  // known and empty, not null
      w.applied.memory_min_bytes = 0;
      w.applied.memory_low_bytes = k;
      w.applied.memory_max_bytes = kNoLimit;
      w.applied.io_weight = 100;
      w.applied.io_limits = std::vector<IoDeviceLimit>{};
    }
    s.workloads.push_back(std::move(w));
  }
  return s;
}

std::vector<WorkloadInfo> make_infos(size_t workloads) {
  std::vector<WorkloadInfo> out;
  for (size_t i = 0; i < workloads; ++i) {
    WorkloadInfo info;
    info.name = i == 0 ? "" : "vm-" + std::to_string(i) + (i % 3 == 0 ? "-\xc3\xa9t\xc3\xa9" : "");
    info.class_name = i % 3 == 0 ? "" : (i % 3 == 1 ? "web" : "batch");
    info.class_kind = i % 3 == 1   ? WorkloadClassKind::kLatencySensitive
                      : i % 3 == 2 ? WorkloadClassKind::kThroughput
                                   : WorkloadClassKind::kBestEffort;
    info.priority = static_cast<int>(i) - 2;
    if (i % 3 == 1) info.p99_target = Nanos{20'000'000};
    if (i % 3 == 2) info.throughput_cv_target = 0.15;
    info.numa_node = static_cast<uint32_t>(i % 2);
    info.llc_domain = static_cast<uint32_t>(i % 4);
    out.push_back(std::move(info));
  }
  return out;
}

void expect_same_sample(const HostSample& e, const HostSample& a) {
  EXPECT_EQ(e.at, a.at);
  EXPECT_EQ(e.cpus, a.cpus);
  EXPECT_EQ(e.memory_total_bytes, a.memory_total_bytes);
  auto same_psi = [](const PressureTotals& x, const PressureTotals& y, const std::string& who) {
    EXPECT_EQ(x.cpu_some_us, y.cpu_some_us) << who;
    EXPECT_EQ(x.cpu_full_us, y.cpu_full_us) << who;
    EXPECT_EQ(x.memory_some_us, y.memory_some_us) << who;
    EXPECT_EQ(x.memory_full_us, y.memory_full_us) << who;
    EXPECT_EQ(x.io_some_us, y.io_some_us) << who;
    EXPECT_EQ(x.io_full_us, y.io_full_us) << who;
  };
  same_psi(e.psi, a.psi, "host");
  ASSERT_EQ(e.workloads.size(), a.workloads.size());
  for (size_t i = 0; i < e.workloads.size(); ++i) {
    const WorkloadSample& x = e.workloads[i];
    const WorkloadSample& y = a.workloads[i];
    const std::string who = "workload " + std::to_string(i) + " '" + x.name + "'";
    EXPECT_EQ(x.name, y.name) << who;
    EXPECT_EQ(x.cpu_usage_ns, y.cpu_usage_ns) << who;
    EXPECT_EQ(x.nr_periods, y.nr_periods) << who;
    EXPECT_EQ(x.nr_throttled, y.nr_throttled) << who;
    EXPECT_EQ(x.throttled_ns, y.throttled_ns) << who;
    EXPECT_EQ(x.runq_delay_ns, y.runq_delay_ns) << who;
    EXPECT_EQ(x.runq_delay_total_ns, y.runq_delay_total_ns) << who;
    EXPECT_EQ(x.has_runq_delay, y.has_runq_delay) << who;
    same_psi(x.psi, y.psi, who);
    EXPECT_EQ(x.has_psi, y.has_psi) << who;
    EXPECT_EQ(x.memory_current_bytes, y.memory_current_bytes) << who;
    EXPECT_EQ(x.memory_high_events, y.memory_high_events) << who;
    EXPECT_EQ(x.reclaim_stall_ns, y.reclaim_stall_ns) << who;
    EXPECT_EQ(x.pgfault, y.pgfault) << who;
    EXPECT_EQ(x.pgmajfault, y.pgmajfault) << who;
    EXPECT_EQ(x.oom_kills, y.oom_kills) << who;
    EXPECT_EQ(x.remote_memory_accesses, y.remote_memory_accesses) << who;
    EXPECT_EQ(x.local_memory_accesses, y.local_memory_accesses) << who;
    EXPECT_EQ(x.io_latency_ns, y.io_latency_ns) << who;
    EXPECT_EQ(x.io.seq_read_bytes, y.io.seq_read_bytes) << who;
    EXPECT_EQ(x.io.seq_write_bytes, y.io.seq_write_bytes) << who;
    EXPECT_EQ(x.io.rand_read_bytes, y.io.rand_read_bytes) << who;
    EXPECT_EQ(x.io.rand_write_bytes, y.io.rand_write_bytes) << who;
    EXPECT_EQ(x.io.seq_read_ios, y.io.seq_read_ios) << who;
    EXPECT_EQ(x.io.seq_write_ios, y.io.seq_write_ios) << who;
    EXPECT_EQ(x.io.rand_read_ios, y.io.rand_read_ios) << who;
    EXPECT_EQ(x.io.rand_write_ios, y.io.rand_write_ios) << who;
    EXPECT_EQ(x.io.metadata_ios, y.io.metadata_ios) << who;
    EXPECT_EQ(x.net_rx_bytes, y.net_rx_bytes) << who;
    EXPECT_EQ(x.net_tx_bytes, y.net_tx_bytes) << who;
    EXPECT_EQ(x.net_queue_depth, y.net_queue_depth) << who;
    EXPECT_EQ(x.net_drops, y.net_drops) << who;
    EXPECT_EQ(x.net_retransmits, y.net_retransmits) << who;
    EXPECT_EQ(x.request_latency_ns, y.request_latency_ns) << who;
    EXPECT_EQ(x.requests_completed, y.requests_completed) << who;
    EXPECT_EQ(x.frames_total, y.frames_total) << who;
    EXPECT_EQ(x.frames_missed, y.frames_missed) << who;
    EXPECT_EQ(x.has_requests, y.has_requests) << who;
    EXPECT_EQ(x.top_process_cpu_share, y.top_process_cpu_share) << who;
    EXPECT_EQ(x.applied, y.applied) << who;
  }
}

void expect_same_infos(const std::vector<WorkloadInfo>& e, const std::vector<WorkloadInfo>& a) {
  ASSERT_EQ(e.size(), a.size());
  for (size_t i = 0; i < e.size(); ++i) {
    const std::string who = "info " + std::to_string(i);
    EXPECT_EQ(e[i].name, a[i].name) << who;
    EXPECT_EQ(e[i].class_name, a[i].class_name) << who;
    EXPECT_EQ(e[i].class_kind, a[i].class_kind) << who;
    EXPECT_EQ(e[i].priority, a[i].priority) << who;
    EXPECT_EQ(e[i].p99_target, a[i].p99_target) << who;
    EXPECT_EQ(e[i].throughput_cv_target, a[i].throughput_cv_target) << who;
    EXPECT_EQ(e[i].numa_node, a[i].numa_node) << who;
    EXPECT_EQ(e[i].llc_domain, a[i].llc_domain) << who;
  }
}

}  // namespace dwae::record::test
