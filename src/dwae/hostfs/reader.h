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
  std::optional<uint64_t> oom_kills;           // memory.events oom_kill / memory.oom_control
  std::optional<uint64_t> memory_high_events;  // v2 memory.events high
  std::optional<std::vector<IoCounters>> io;   // per device
  std::optional<uint64_t> pids_current;
  std::optional<Pressure> cpu_pressure, memory_pressure, io_pressure;
};

struct CgroupSnapshot {
  CgroupSettings settings;
  CgroupStats stats;
};

// Access to one cgroup's files for periodic sampling. Statistics files ("hot": read every
// tick) are kept open, so a sample costs one pread(2) per file instead of open + read + close
// (cgroup, procfs and tmpfs files regenerate their content when read from offset 0). Settings
// files are opened per read, which keeps the descriptor count at about a dozen per cgroup
// (1,000 cgroups fit under a 20,000 RLIMIT_NOFILE). Near the limit (the last 64 descriptors)
// hot files are opened per read instead, and tried again for keeping at each later open; when
// no descriptor is left at all, the handle gives up one it keeps rather than fail the read.
// A file found absent (or its feature off) is skipped by tick reads until the next full read
// (start_full_read), which tries it again: a controller enabled later, or PSI switched back on
// through cgroup.pressure, shows from then on. A cgroup removed while its files are open reads
// as an error (ENODEV), not as stale values; the handle then closes everything it holds, so
// that a cgroup made again at the same path is read afresh by the next read.
class CgroupHandle {
 public:
  explicit CgroupHandle(CgroupDirs dirs, bool keep_open = true);
  CgroupHandle(CgroupHandle&&) noexcept;
  CgroupHandle& operator=(CgroupHandle&&) noexcept;
  CgroupHandle(const CgroupHandle&) = delete;
  CgroupHandle& operator=(const CgroupHandle&) = delete;
  ~CgroupHandle();

  const CgroupDirs& dirs() const { return dirs_; }
  size_t open_files() const;

  // Content of <dir>/<name>, where dir is one of dirs()' strings, or nullopt when the file is
  // absent or its feature is off. The view stays valid until the next read on this handle.
  Result<std::optional<std::string_view>> read(const std::string& dir, const char* name, bool hot);
  // Fails when a directory of the cgroup does not exist, and then closes every file held.
  // Checked on every one-shot read; on a keep-open handle, at every full read and at the first
  // read after the cgroup was seen gone (between them, vanishing shows as ENODEV on open files).
  Status check_dirs();
  // Marks the start of a full read (every file): files found absent are tried again and the
  // directories checked again.
  void start_full_read();

 private:
  struct File {
    size_t dir;        // index into dirs_.by_controller, or kControllerCount for unified
    const char* name;  // a string literal of the reader
    int fd = -1;       // -1 while not open, -2 when absent (until the next full read)
  };
  void close_all();
  // Closes everything and forgets what was found absent: the cgroup is gone (for now).
  void reset();
  // Closes one kept file other than `except`, to free a descriptor; false when none is kept.
  bool release_one(const File& except);
  size_t dir_index(const std::string& dir) const;

  CgroupDirs dirs_;
  bool keep_open_;
  bool dirs_checked_ = false;
  std::vector<File> files_;
  std::string path_;
  std::string buffer_;
};

class CgroupReader {
 public:
  explicit CgroupReader(const CgroupLayout& layout) : layout_(&layout) {}

  // One-shot reads: every file is opened, read and closed.
  Result<CgroupSettings> read_settings(const CgroupDirs& dirs) const;
  Result<CgroupStats> read_stats(const CgroupDirs& dirs) const;
  Result<CgroupSnapshot> read(const CgroupDirs& dirs) const;
  // Periodic reads through a handle that keeps the files open.
  Result<CgroupSettings> read_settings(CgroupHandle& handle) const;
  Result<CgroupStats> read_stats(CgroupHandle& handle) const;
  Result<CgroupSnapshot> read(CgroupHandle& handle) const;
  // Refreshes in `stats` only what a control tick needs — CPU usage and throttling, memory in
  // use, PSI: on a v1 host 6 files instead of 13 — and leaves every other field as it was
  // (the last read_stats). A v1 cpu.stat is skipped while the last read shows no bandwidth
  // period (nr_periods 0: no quota has applied, so every counter in it is still zero); after
  // setting a quota, read_stats once to start reading it. Fails as read_stats does.
  Status refresh_tick_stats(CgroupHandle& handle, CgroupStats& stats) const;

 private:
  const CgroupLayout* layout_;
};

// Pids listed in <dir>/cgroup.procs (or "tasks" for v1 threads when threads is true).
Result<std::vector<int32_t>> read_cgroup_pids(const std::string& dir, bool threads = false);

}  // namespace dwae::hostfs
