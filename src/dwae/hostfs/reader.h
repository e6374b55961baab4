// Reads one cgroup's settings and statistics from every hierarchy it lives in, v1 or v2 names
// alike, into one version-neutral snapshot. A file that does not exist (controller not enabled,
// kernel without the feature) leaves its field empty; a directory that does not exist, or a
// file whose content cannot be parsed, is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {

struct CpuSettings {
  std::optional<uint64_t> weight;    // v2 cpu.weight (1..10000)
  std::optional<uint64_t> shares;    // v1 cpu.shares (2..262144)
  std::optional<CpuMax> max;         // v2 cpu.max, or v1 cfs_quota_us + cfs_period_us
  std::optional<uint64_t> burst_us;  // cpu.max.burst / cpu.cfs_burst_us
  std::optional<bool> idle;          // cpu.idle
};

struct CpusetSettings {
  std::optional<std::vector<uint32_t>> cpus;  // cpuset.cpus (v2: as configured)
  std::optional<std::vector<uint32_t>> mems;
  std::optional<std::vector<uint32_t>> effective_cpus;
};

// Version-neutral memory limits in bytes; kUnlimited means "max". v1 maps soft_limit_in_bytes
// to low and limit_in_bytes to max (its "unlimited" page-rounded LONG_MAX becomes kUnlimited).
struct MemorySettings {
  std::optional<uint64_t> min, low, high, max;
  std::optional<uint64_t> swap_max;
};

struct IoSettings {
  std::optional<IoWeights> weight;      // v2 io.weight, else io.bfq.weight / blkio.bfq.weight
  std::optional<IoWeights> bfq_weight;  // the BFQ weight file, when present
  std::vector<IoLimit> limits;          // v2 io.max, or the four v1 throttle files merged
};

struct CgroupSettings {
  CpuSettings cpu;
  CpusetSettings cpuset;
  MemorySettings memory;
  IoSettings io;
  std::optional<uint64_t> pids_max;
};

struct CgroupStats {
  std::optional<uint64_t> cpu_usage_ns;  // v2 cpu.stat usage_usec, v1 cpuacct.usage
  std::optional<uint64_t> cpu_user_ns, cpu_system_ns;
  std::optional<uint64_t> nr_periods, nr_throttled, throttled_ns;
  std::optional<uint64_t> memory_current_bytes;  // memory.current / memory.usage_in_bytes
  std::optional<uint64_t> memory_anon_bytes, memory_file_bytes;
  std::optional<uint64_t> pgfault, pgmajfault;
  std::optional<uint64_t> oom_kills;        // memory.events oom_kill / memory.oom_control
  std::optional<uint64_t> memory_high_events;  // v2 memory.events high
  std::optional<std::vector<IoCounters>> io;   // per device
  std::optional<uint64_t> pids_current;
  std::optional<Pressure> cpu_pressure, memory_pressure, io_pressure;
};

struct CgroupSnapshot {
  CgroupSettings settings;
  CgroupStats stats;
};

class CgroupReader {
 public:
  explicit CgroupReader(const CgroupLayout& layout) : layout_(&layout) {}

  Result<CgroupSettings> read_settings(const CgroupDirs& dirs) const;
  Result<CgroupStats> read_stats(const CgroupDirs& dirs) const;
  Result<CgroupSnapshot> read(const CgroupDirs& dirs) const;

 private:
  const CgroupLayout* layout_;
};

// Pids listed in <dir>/cgroup.procs (or "tasks" for v1 threads when threads is true).
Result<std::vector<int32_t>> read_cgroup_pids(const std::string& dir, bool threads = false);

}  // namespace dwae::hostfs
