// Pure parsers for cgroup v1/v2 and procfs file contents. Each takes the text of one file and
// returns a Result; none touches the file system. Reading is done by reader.h.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dwae/common/result.h"

namespace dwae::hostfs {

// cgroup files write "max" for "no limit"; we keep it as this value.
inline constexpr uint64_t kUnlimited = UINT64_MAX;

// "key value" lines (cpu.stat, memory.stat, memory.events, cpuacct.stat, ...).
using KeyedValues = std::vector<std::pair<std::string, uint64_t>>;
Result<KeyedValues> parse_flat_keyed(std::string_view text);
// Looks a key up in parsed flat-keyed content.
std::optional<uint64_t> find_key(const KeyedValues& values, std::string_view key);
// The same validation as parse_flat_keyed, without allocating: each wanted key that occurs is
// stored in its target (the first occurrence wins); other keys are checked and skipped.
struct KeyTarget {
  std::string_view key;
  std::optional<uint64_t>* out;
};
Status scan_flat_keyed(std::string_view text, std::initializer_list<KeyTarget> wanted);

// A file holding one unsigned number, or "max" (returned as kUnlimited). Accepts a negative
// "-1" as kUnlimited too, which v1 cpu.cfs_quota_us uses.
Result<uint64_t> parse_u64_or_max(std::string_view text);
// "0" or "1" (cpu.idle, memory.oom_control flags).
Result<bool> parse_bool01(std::string_view text);

// v2 cpu.max: "$MAX $PERIOD" where $MAX may be "max"; "$MAX" alone keeps the default period.
struct CpuMax {
  std::optional<uint64_t> quota_us;  // nullopt = unlimited
  uint64_t period_us = 100000;
  bool operator==(const CpuMax&) const = default;
};
Result<CpuMax> parse_cpu_max(std::string_view text);

// PSI: "some avg10=0.12 avg60=0.05 avg300=0.01 total=123\nfull avg10=... total=..."
// ("full" is absent for system-wide cpu on older kernels).
struct PressureLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;  // percent
  uint64_t total_us = 0;
  bool operator==(const PressureLine&) const = default;
};
struct Pressure {
  PressureLine some;
  std::optional<PressureLine> full;
  bool operator==(const Pressure&) const = default;
};
Result<Pressure> parse_pressure(std::string_view text);

// A block device number "MAJ:MIN".
struct DeviceId {
  uint32_t major = 0, minor = 0;
  bool operator==(const DeviceId&) const = default;
  auto operator<=>(const DeviceId&) const = default;
};
Result<DeviceId> parse_device_id(std::string_view text);

// v2 io.stat: "8:0 rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=.." (unknown keys ignored).
struct IoCounters {
  DeviceId device;
  uint64_t rbytes = 0, wbytes = 0, rios = 0, wios = 0, dbytes = 0, dios = 0;
  bool operator==(const IoCounters&) const = default;
};
Result<std::vector<IoCounters>> parse_io_stat(std::string_view text);
// v1 blkio.throttle.io_service_bytes / io_serviced (and the bfq equivalents):
// "8:0 Read 4096\n8:0 Write 0\n...\nTotal 4096". `bytes` selects which fields get filled:
// true fills rbytes/wbytes/dbytes, false fills rios/wios/dios.
Result<std::vector<IoCounters>> parse_blkio_v1(std::string_view text, bool bytes);

// Weights: v2 io.weight / io.bfq.weight "default 100\n8:0 200"; v1 blkio.bfq.weight either a
// bare "100" or the same "default N" form. Devices without an override are absent.
struct IoWeights {
  uint32_t default_weight = 100;
  std::vector<std::pair<DeviceId, uint32_t>> per_device;
  bool operator==(const IoWeights&) const = default;
};
Result<IoWeights> parse_io_weight(std::string_view text);

// v2 io.max: "8:0 rbps=max wbps=1048576 riops=max wiops=max".
struct IoLimit {
  DeviceId device;
  uint64_t rbps = kUnlimited, wbps = kUnlimited, riops = kUnlimited, wiops = kUnlimited;
  bool operator==(const IoLimit&) const = default;
};
Result<std::vector<IoLimit>> parse_io_max(std::string_view text);
// v1 blkio.throttle.{read,write}_{bps,iops}_device: "8:0 1048576" per line.
Result<std::vector<std::pair<DeviceId, uint64_t>>> parse_blkio_throttle_v1(std::string_view text);

// cpuset lists: "0-3,8,10-11" -> sorted unique ids. Empty text is an empty set.
Result<std::vector<uint32_t>> parse_cpu_list(std::string_view text);
std::string format_cpu_list(const std::vector<uint32_t>& ids);

// /proc/<pid>/schedstat and /proc/<pid>/task/<tid>/schedstat: "run_ns wait_ns timeslices".
struct TaskSchedstat {
  uint64_t run_ns = 0, run_delay_ns = 0, timeslices = 0;
  bool operator==(const TaskSchedstat&) const = default;
};
Result<TaskSchedstat> parse_task_schedstat(std::string_view text);

// /proc/schedstat (version 15+): per-CPU "cpuN f1 ... f9" where f7 = time running (ns),
// f8 = time waiting to run (ns), f9 = timeslices. Domain lines are skipped.
struct CpuSchedstat {
  uint32_t cpu = 0;
  uint64_t run_ns = 0, run_delay_ns = 0, timeslices = 0;
  bool operator==(const CpuSchedstat&) const = default;
};
Result<std::vector<CpuSchedstat>> parse_proc_schedstat(std::string_view text);

// /proc/<pid>/cgroup: "ID:CONTROLLERS:PATH" lines; CONTROLLERS is empty for v2 ("0::/x").
struct ProcCgroupEntry {
  uint32_t hierarchy_id = 0;
  std::vector<std::string> controllers;  // "name=systemd" kept verbatim
  std::string path;
  bool operator==(const ProcCgroupEntry&) const = default;
};
Result<std::vector<ProcCgroupEntry>> parse_proc_cgroup(std::string_view text);

// /proc/self/mountinfo lines (proc(5)); octal escapes like \040 in paths are decoded.
struct MountEntry {
  std::string mount_point;
  std::string root;     // the mount's root within its file system
  std::string fs_type;  // after the " - " separator
  std::string source;
  std::vector<std::string> super_options;  // comma-split; for cgroup v1 these name controllers
  bool operator==(const MountEntry&) const = default;
};
Result<std::vector<MountEntry>> parse_mountinfo(std::string_view text);

// /proc/<pid>/stat: the fields DWAE uses. comm may contain spaces and parentheses.
struct ProcStat {
  int32_t pid = 0;
  std::string comm;
  char state = '?';
  int32_t ppid = 0;
  uint64_t utime_ticks = 0, stime_ticks = 0;
  int32_t processor = -1;  // field 39: CPU last run on
  bool operator==(const ProcStat&) const = default;
};
Result<ProcStat> parse_proc_stat(std::string_view text);

}  // namespace dwae::hostfs
