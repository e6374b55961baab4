// The contract between the control loop and a host. The same loop runs on a real host (cgroup
// and eBPF readers, cgroup writers), on the simulated host, and on a recorded replay; it sees
// only these types. Every counter in a sample is cumulative, as the kernel's are: rates are
// derived from two samples and the time between them (features/), never inside a source.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/histogram.h"

namespace dwae {

using Nanos = std::chrono::nanoseconds;

inline constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

enum class WorkloadClassKind { kLatencySensitive, kThroughput, kBestEffort };
// "latency-sensitive", "throughput", "best-effort" (the config's class kind names).
const char* to_string(WorkloadClassKind kind);

// A per-device I/O limit; kNoLimit removes that limit.
struct IoDeviceLimit {
  uint32_t major = 0, minor = 0;
  uint64_t rbps = kNoLimit, wbps = kNoLimit, riops = kNoLimit, wiops = kNoLimit;
  bool operator==(const IoDeviceLimit&) const = default;
};

// Absolute targets for one workload. An empty optional means "leave as it is".
struct ResourceTargets {
  std::optional<uint32_t> cpu_weight;    // cgroup v2 scale 1..10000 (v1 shares are converted)
  std::optional<uint64_t> cpu_quota_us;  // kNoLimit = "max"; applied with cpu_period_us
  std::optional<uint64_t> cpu_period_us;
  std::optional<uint64_t> cpu_burst_us;
  std::optional<bool> cpu_idle;
  std::optional<std::vector<uint32_t>> cpuset_cpus;
  std::optional<std::vector<uint32_t>> cpuset_mems;
  std::optional<uint64_t> memory_min_bytes, memory_low_bytes, memory_high_bytes, memory_max_bytes;
  std::optional<uint32_t> io_weight;  // v2 scale 1..10000
  std::optional<std::vector<IoDeviceLimit>> io_limits;
  std::optional<double> net_share;  // fraction of link bandwidth, 0..1
  bool operator==(const ResourceTargets&) const = default;
};

struct WorkloadDecision {
  std::string workload;
  ResourceTargets targets;
};

// What a policy decided at one tick, for every workload it wants to change.
struct Decision {
  Nanos at{0};
  std::vector<WorkloadDecision> workloads;
};

// PSI stall totals in microseconds (cumulative).
struct PressureTotals {
  uint64_t cpu_some_us = 0, cpu_full_us = 0;
  uint64_t memory_some_us = 0, memory_full_us = 0;
  uint64_t io_some_us = 0, io_full_us = 0;
};

// Block I/O split by access pattern (STO-1).
struct IoByPattern {
  uint64_t seq_read_bytes = 0, seq_write_bytes = 0, rand_read_bytes = 0, rand_write_bytes = 0;
  uint64_t seq_read_ios = 0, seq_write_ios = 0, rand_read_ios = 0, rand_write_ios = 0;
  uint64_t metadata_ios = 0;
};

// One workload at one instant. Fields a source cannot observe stay zero/empty and the
// matching `has_*` flag says so.
struct WorkloadSample {
  std::string name;
  // CPU
  uint64_t cpu_usage_ns = 0;
  uint64_t nr_periods = 0, nr_throttled = 0, throttled_ns = 0;
  Log2Histogram runq_delay_ns;  // wakeup-to-run ("CPU ready time")
  uint64_t runq_delay_total_ns = 0;
  bool has_runq_delay = false;
  // Pressure
  PressureTotals psi;
  bool has_psi = false;
  // Memory
  uint64_t memory_current_bytes = 0;
  uint64_t memory_high_events = 0;
  uint64_t reclaim_stall_ns = 0;
  uint64_t pgfault = 0, pgmajfault = 0;
  uint64_t oom_kills = 0;
  uint64_t remote_memory_accesses = 0, local_memory_accesses = 0;  // NUMA, where known
  // Block I/O
  Log2Histogram io_latency_ns;
  IoByPattern io;
  // Network
  uint64_t net_rx_bytes = 0, net_tx_bytes = 0;
  uint64_t net_queue_depth = 0;  // packets queued now (a level, not a counter)
  uint64_t net_drops = 0, net_retransmits = 0;
  // Application-level service quality, where the source can see it (the simulator, an
  // instrumented service): request latency, completions, video frames and missed deadlines.
  Log2Histogram request_latency_ns;
  uint64_t requests_completed = 0;
  uint64_t frames_total = 0, frames_missed = 0;
  bool has_requests = false;
  // Processes: share of the workload's CPU used by its busiest process (heat map summary)
  double top_process_cpu_share = 0;
  // What is applied now (read back from the host)
  ResourceTargets applied;
};

struct HostSample {
  Nanos at{0};
  uint32_t cpus = 0;
  uint64_t memory_total_bytes = 0;
  PressureTotals psi;  // host-wide
  std::vector<WorkloadSample> workloads;
};

// Static facts about a workload that features and policies need.
struct WorkloadInfo {
  std::string name;
  std::string class_name;
  WorkloadClassKind class_kind = WorkloadClassKind::kBestEffort;
  int priority = 0;
  std::optional<Nanos> p99_target;
  std::optional<double> throughput_cv_target;
  uint32_t numa_node = 0;
  uint32_t llc_domain = 0;
};

class HostSource {
 public:
  virtual ~HostSource() = default;
  // The workloads present now (they may appear and vanish between calls).
  virtual Result<std::vector<WorkloadInfo>> workloads() = 0;
  virtual Result<HostSample> sample() = 0;
};

// Per-field outcome of applying a decision.
struct FieldStatus {
  std::string workload;
  std::string field;  // e.g. "cpu.weight"
  bool ok = true;
  std::string message;
};

struct ApplyReport {
  size_t workloads_applied = 0;
  size_t workloads_failed = 0;
  std::vector<FieldStatus> fields;
};

class Actuator {
 public:
  virtual ~Actuator() = default;
  // Applies each workload's targets as one transaction; one workload's failure never blocks
  // the others.
  virtual ApplyReport apply(const Decision& decision) = 0;
  // Puts back every value this actuator changed.
  virtual Status restore() = 0;
};

}  // namespace dwae
