// The independent reader: Node's apache-arrow (installed by scripts/setup into
// tools/node_modules) reads a recording we wrote and checks its schema against the documented
// column table and every value against the samples, listed here apart from the encoder.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "dwae/record/raw_event_schema.h"
#include "dwae/record/recording.h"
#include "record/record_support.h"
#include "support/temp_dir.h"

namespace dwae::record {
namespace {

using nlohmann::json;

std::string u64(uint64_t v) {
  return std::to_string(v);
}

json histogram(const Log2Histogram& h) {
  json out = json::array();
  for (const uint64_t b : h.buckets) out.push_back(u64(b));
  return out;
}

template <typename T, typename F>
json optional(const std::optional<T>& value, F convert) {
  return value ? json(convert(*value)) : json(nullptr);
}

json expected_row(const HostSample& s, const WorkloadSample& w, const WorkloadInfo& info) {
  const auto same = [](auto v) { return v; };
  const ResourceTargets& a = w.applied;
  json r;
  r["time_ns"] = std::to_string(s.at.count());
  r["workload"] = w.name;
  r["class"] = info.class_name;
  r["class_kind"] = to_string(info.class_kind);
  r["priority"] = info.priority;
  r["numa_node"] = info.numa_node;
  r["llc_domain"] = info.llc_domain;
  r["p99_target_ns"] = optional(info.p99_target, [](Nanos n) { return std::to_string(n.count()); });
  r["throughput_cv_target"] = optional(info.throughput_cv_target, same);
  r["cpu_usage_ns"] = u64(w.cpu_usage_ns);
  r["nr_periods"] = u64(w.nr_periods);
  r["nr_throttled"] = u64(w.nr_throttled);
  r["throttled_ns"] = u64(w.throttled_ns);
  r["has_runq_delay"] = w.has_runq_delay;
  r["runq_delay_ns_buckets"] = histogram(w.runq_delay_ns);
  r["runq_delay_total_ns"] = u64(w.runq_delay_total_ns);
  r["has_psi"] = w.has_psi;
  r["psi_cpu_some_us"] = u64(w.psi.cpu_some_us);
  r["psi_cpu_full_us"] = u64(w.psi.cpu_full_us);
  r["psi_memory_some_us"] = u64(w.psi.memory_some_us);
  r["psi_memory_full_us"] = u64(w.psi.memory_full_us);
  r["psi_io_some_us"] = u64(w.psi.io_some_us);
  r["psi_io_full_us"] = u64(w.psi.io_full_us);
  r["memory_current_bytes"] = u64(w.memory_current_bytes);
  r["memory_high_events"] = u64(w.memory_high_events);
  r["reclaim_stall_ns"] = u64(w.reclaim_stall_ns);
  r["pgfault"] = u64(w.pgfault);
  r["pgmajfault"] = u64(w.pgmajfault);
  r["oom_kills"] = u64(w.oom_kills);
  r["remote_memory_accesses"] = u64(w.remote_memory_accesses);
  r["local_memory_accesses"] = u64(w.local_memory_accesses);
  r["io_latency_ns_buckets"] = histogram(w.io_latency_ns);
  r["io_seq_read_bytes"] = u64(w.io.seq_read_bytes);
  r["io_seq_write_bytes"] = u64(w.io.seq_write_bytes);
  r["io_rand_read_bytes"] = u64(w.io.rand_read_bytes);
  r["io_rand_write_bytes"] = u64(w.io.rand_write_bytes);
  r["io_seq_read_ios"] = u64(w.io.seq_read_ios);
  r["io_seq_write_ios"] = u64(w.io.seq_write_ios);
  r["io_rand_read_ios"] = u64(w.io.rand_read_ios);
  r["io_rand_write_ios"] = u64(w.io.rand_write_ios);
  r["io_metadata_ios"] = u64(w.io.metadata_ios);
  r["net_rx_bytes"] = u64(w.net_rx_bytes);
  r["net_tx_bytes"] = u64(w.net_tx_bytes);
  r["net_queue_depth"] = u64(w.net_queue_depth);
  r["net_drops"] = u64(w.net_drops);
  r["net_retransmits"] = u64(w.net_retransmits);
  r["has_requests"] = w.has_requests;
  r["request_latency_ns_buckets"] = histogram(w.request_latency_ns);
  r["requests_completed"] = u64(w.requests_completed);
  r["frames_total"] = u64(w.frames_total);
  r["frames_missed"] = u64(w.frames_missed);
  r["top_process_cpu_share"] = w.top_process_cpu_share;
  r["applied_cpu_weight"] = optional(a.cpu_weight, same);
  r["applied_cpu_quota_us"] = optional(a.cpu_quota_us, u64);
  r["applied_cpu_period_us"] = optional(a.cpu_period_us, u64);
  r["applied_cpu_burst_us"] = optional(a.cpu_burst_us, u64);
  r["applied_cpu_idle"] = optional(a.cpu_idle, same);
  r["applied_cpuset_cpus"] = optional(a.cpuset_cpus, same);
  r["applied_cpuset_mems"] = optional(a.cpuset_mems, same);
  r["applied_memory_min_bytes"] = optional(a.memory_min_bytes, u64);
  r["applied_memory_low_bytes"] = optional(a.memory_low_bytes, u64);
  r["applied_memory_high_bytes"] = optional(a.memory_high_bytes, u64);
  r["applied_memory_max_bytes"] = optional(a.memory_max_bytes, u64);
  r["applied_io_weight"] = optional(a.io_weight, same);
  r["applied_io_limits"] = optional(a.io_limits, [](const std::vector<IoDeviceLimit>& limits) {
    json out = json::array();
    for (const auto& l : limits) {
      out.push_back({{"major", l.major},
                     {"minor", l.minor},
                     {"rbps", u64(l.rbps)},
                     {"wbps", u64(l.wbps)},
                     {"riops", u64(l.riops)},
                     {"wiops", u64(l.wiops)}});
    }
    return out;
  });
  r["applied_net_share"] = optional(a.net_share, same);
  return r;
}

// Runs `command`, returns (exit status, stdout + stderr).
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// Writes what apache-arrow must find in the Arrow file `path` (schema metadata and batches of
// rows) and has tests/record/check_recording.cjs compare the two; `columns` names the section of
// docs/telemetry.md that documents the schema ("" for the sample schema's).
void expect_apache_arrow_reads(const std::string& path, const std::string& schema,
                               const std::string& source, const json& batches,
                               const std::string& columns = "") {
  const json expected = {
      {"schema_metadata",
       {{"dwae.schema", schema}, {"dwae.schema_version", "1"}, {"dwae.source", source}}},
      {"batches", batches}};
  const std::string expected_path = path + ".expected.json";
  std::ofstream(expected_path) << expected.dump();
  const std::string root = DWAE_SOURCE_DIR;
  const auto [status, output] =
      run("node " + root + "/tests/record/check_recording.cjs " + root + "/tools/node_modules " +
          path + " " + expected_path + " " + root + "/docs/telemetry.md" +
          (columns.empty() ? "" : " " + columns));
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("all as expected"), std::string::npos) << output;
  std::cout << output;
}

TEST(ArrowJs, ApacheArrowReadsOurRecordingWithTheDocumentedSchemaAndOurValues) {
  const std::string modules = std::string(DWAE_SOURCE_DIR) + "/tools/node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules + "/apache-arrow/package.json"))
      << "apache-arrow is missing from " << modules << ": run scripts/setup";
  ASSERT_EQ(run("node --version").first, 0) << "node is missing: run scripts/setup";

  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  auto writer = RecordingWriter::create(path, "sim:js-check");
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  json batches = json::array();
  const size_t kTicks = 12;
  for (size_t t = 0; t < kTicks; ++t) {
    const size_t n = t == 3 ? 0 : t % 5 + 1;  // tick 3 has no workloads
    const HostSample sample = test::make_sample(t, n);
    const auto infos = test::make_infos(n);
    ASSERT_TRUE(writer->write(sample, infos).ok());
    json rows = json::array();
    for (size_t i = 0; i < n; ++i)
      rows.push_back(expected_row(sample, sample.workloads[i], infos[i]));
    batches.push_back(std::move(rows));
  }
  ASSERT_TRUE(writer->close().ok());
  expect_apache_arrow_reads(path, "host_samples", "sim:js-check", batches);
}

TEST(ArrowJs, ApacheArrowReadsOurRawEventRecording) {
  const std::string modules = std::string(DWAE_SOURCE_DIR) + "/tools/node_modules";
  ASSERT_TRUE(std::filesystem::exists(modules + "/apache-arrow/package.json"))
      << "apache-arrow is missing from " << modules << ": run scripts/setup";

  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/raw.arrow";
  auto writer = RawEventWriter::create(path, "host:js-check");
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  json batches = json::array();
  for (uint64_t b = 0; b < 4; ++b) {
    std::vector<RawEventRow> rows;
    json expected_rows = json::array();
    for (uint64_t i = 0; i < 10 * b + 3; ++i) {
      const uint64_t k = b * 100 + i;
      const RawEventRow r{(UINT64_C(1) << 62) + k * 1'000'003,
                          k + 4026531835ULL,
                          UINT64_MAX - k,
                          k << 33,
                          static_cast<uint32_t>(4'000'000'000U - k),
                          static_cast<uint16_t>(1 + k % 12),
                          static_cast<uint16_t>(k % 3)};
      rows.push_back(r);
      expected_rows.push_back({{"time_ns", u64(r.time_ns)},
                               {"cgroup_id", u64(r.cgroup_id)},
                               {"kind", r.kind},
                               {"pid", r.pid},
                               {"cpu", r.cpu},
                               {"value", u64(r.value)},
                               {"aux", u64(r.aux)}});
    }
    ASSERT_TRUE(writer->write(rows, RawEventTotals{100 * b, 90 * b, b}).ok());
    batches.push_back(std::move(expected_rows));
  }
  ASSERT_TRUE(writer->close().ok());
  expect_apache_arrow_reads(path, "raw_events", "host:js-check", batches, "raw-event-columns");
}

}  // namespace
}  // namespace dwae::record
