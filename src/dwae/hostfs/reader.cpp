// CgroupReader: one pread per file through a CgroupHandle, v1 and v2 names mapped to the
// same snapshot fields.
#include "dwae/hostfs/reader.h"

#include <algorithm>
#include <array>

#include "dwae/common/file.h"
#include "dwae/common/strings.h"

namespace dwae::hostfs {
namespace {

// v1 memory.limit_in_bytes reports "unlimited" as LONG_MAX rounded down to a page.
constexpr uint64_t kV1UnlimitedFloor = 0x7fffffffffff0000ULL;

uint64_t normalise_v1_limit(uint64_t v) {
  return v >= kV1UnlimitedFloor ? kUnlimited : v;
}

Result<uint64_t> parse_u64(std::string_view text) {
  return parse_u64_or_max(text);
}

// A directory of the cgroup, numbered per read; -1 when the cgroup is not in that hierarchy.
using Slot = int;

class Context {
 public:
  Context(const CgroupLayout& layout, CgroupHandle& handle) : layout_(layout), handle_(handle) {}

  Result<Slot> fd(Controller c) { return slot(handle_.dirs().get(c)); }
  Result<Slot> unified_fd() { return slot(handle_.dirs().unified); }
  bool v2(Controller c) const {
    const Hierarchy* h = layout_.hierarchy(c);
    return h != nullptr && h->version == CgroupVersion::kV2;
  }
  // Statistics are "hot" (read every tick, kept open); settings are not.
  void set_hot(bool hot) { hot_ = hot; }
  Result<std::optional<std::string_view>> read(Slot s, const char* name) {
    return handle_.read(*dirs_[static_cast<size_t>(s)], name, hot_);
  }

 private:
  Result<Slot> slot(const std::string& dir) {
    if (dir.empty()) return -1;
    for (size_t i = 0; i < dirs_.size(); ++i) {
      if (*dirs_[i] == dir) return static_cast<Slot>(i);
    }
    dirs_.push_back(&dir);
    return static_cast<Slot>(dirs_.size() - 1);
  }

  const CgroupLayout& layout_;
  CgroupHandle& handle_;
  std::vector<const std::string*> dirs_;
  bool hot_ = false;
};

template <typename T, typename Parse>
Status read_into(Context& ctx, Slot slot, const char* name, std::optional<T>& field, Parse parse) {
  auto text = ctx.read(slot, name);
  if (!text) return text.error();
  if (!text->has_value()) return Status::success();
  auto parsed = parse(**text);
  if (!parsed) return Error{std::string(name) + ": " + parsed.error().message};
  field = std::move(parsed).value();
  return Status::success();
}

#define DWAE_TRY(expr)                            \
  do {                                            \
    if (auto _s = (expr); !_s) return _s.error(); \
  } while (false)

#define DWAE_TRY_FD(var, expr)  \
  Slot var = -1;                \
  {                             \
    auto _r = (expr);           \
    if (!_r) return _r.error(); \
    var = *_r;                  \
  }

Status read_cpu_settings(Context& ctx, CpuSettings& cpu) {
  DWAE_TRY_FD(fd, ctx.fd(Controller::kCpu));
  if (fd < 0) return Status::success();
  if (ctx.v2(Controller::kCpu)) {
    DWAE_TRY(read_into(ctx, fd, "cpu.weight", cpu.weight, parse_u64));
    DWAE_TRY(read_into(ctx, fd, "cpu.max", cpu.max, parse_cpu_max));
    DWAE_TRY(read_into(ctx, fd, "cpu.max.burst", cpu.burst_us, parse_u64));
  } else {
    DWAE_TRY(read_into(ctx, fd, "cpu.shares", cpu.shares, parse_u64));
    std::optional<uint64_t> quota, period;
    DWAE_TRY(read_into(ctx, fd, "cpu.cfs_quota_us", quota, parse_u64));
    DWAE_TRY(read_into(ctx, fd, "cpu.cfs_period_us", period, parse_u64));
    if (quota && period) {
      CpuMax max;
      max.period_us = *period;
      if (*quota != kUnlimited) max.quota_us = *quota;
      cpu.max = max;
    }
    DWAE_TRY(read_into(ctx, fd, "cpu.cfs_burst_us", cpu.burst_us, parse_u64));
  }
  DWAE_TRY(read_into(ctx, fd, "cpu.idle", cpu.idle, parse_bool01));
  return Status::success();
}

Status read_cpuset_settings(Context& ctx, CpusetSettings& cpuset) {
  DWAE_TRY_FD(fd, ctx.fd(Controller::kCpuset));
  if (fd < 0) return Status::success();
  DWAE_TRY(read_into(ctx, fd, "cpuset.cpus", cpuset.cpus, parse_cpu_list));
  DWAE_TRY(read_into(ctx, fd, "cpuset.mems", cpuset.mems, parse_cpu_list));
  DWAE_TRY(read_into(
      ctx, fd, ctx.v2(Controller::kCpuset) ? "cpuset.cpus.effective" : "cpuset.effective_cpus",
      cpuset.effective_cpus, parse_cpu_list));
  return Status::success();
}

Status read_memory_settings(Context& ctx, MemorySettings& memory) {
  DWAE_TRY_FD(fd, ctx.fd(Controller::kMemory));
  if (fd < 0) return Status::success();
  if (ctx.v2(Controller::kMemory)) {
    DWAE_TRY(read_into(ctx, fd, "memory.min", memory.min, parse_u64));
    DWAE_TRY(read_into(ctx, fd, "memory.low", memory.low, parse_u64));
    DWAE_TRY(read_into(ctx, fd, "memory.high", memory.high, parse_u64));
    DWAE_TRY(read_into(ctx, fd, "memory.max", memory.max, parse_u64));
    DWAE_TRY(read_into(ctx, fd, "memory.swap.max", memory.swap_max, parse_u64));
  } else {
    DWAE_TRY(read_into(ctx, fd, "memory.soft_limit_in_bytes", memory.low, parse_u64));
    DWAE_TRY(read_into(ctx, fd, "memory.limit_in_bytes", memory.max, parse_u64));
    if (memory.low) memory.low = normalise_v1_limit(*memory.low);
    if (memory.max) memory.max = normalise_v1_limit(*memory.max);
  }
  return Status::success();
}

// Merges one v1 throttle file ("8:0 1048576" lines) into the limits list.
void merge_throttle(std::vector<IoLimit>& limits,
                    const std::vector<std::pair<DeviceId, uint64_t>>& entries,
                    uint64_t IoLimit::*field) {
  for (const auto& entry : entries) {
    const DeviceId dev = entry.first;
    const uint64_t value = entry.second;
    auto it = std::find_if(limits.begin(), limits.end(),
                           [&](const IoLimit& l) { return l.device == dev; });
    if (it == limits.end()) {
      limits.push_back(IoLimit{dev});
      it = limits.end() - 1;
    }
    (*it).*field = value;
  }
}

Status read_io_settings(Context& ctx, IoSettings& io) {
  DWAE_TRY_FD(fd, ctx.fd(Controller::kIo));
  if (fd < 0) return Status::success();
  if (ctx.v2(Controller::kIo)) {
    DWAE_TRY(read_into(ctx, fd, "io.weight", io.weight, parse_io_weight));
    DWAE_TRY(read_into(ctx, fd, "io.bfq.weight", io.bfq_weight, parse_io_weight));
    std::optional<std::vector<IoLimit>> limits;
    DWAE_TRY(read_into(ctx, fd, "io.max", limits, parse_io_max));
    if (limits) io.limits = std::move(*limits);
  } else {
    DWAE_TRY(read_into(ctx, fd, "blkio.bfq.weight", io.bfq_weight, parse_io_weight));
    if (!io.bfq_weight)
      DWAE_TRY(read_into(ctx, fd, "blkio.weight", io.bfq_weight, parse_io_weight));
    static constexpr std::array<std::pair<const char*, uint64_t IoLimit::*>, 4> kFiles{{
        {"blkio.throttle.read_bps_device", &IoLimit::rbps},
        {"blkio.throttle.write_bps_device", &IoLimit::wbps},
        {"blkio.throttle.read_iops_device", &IoLimit::riops},
        {"blkio.throttle.write_iops_device", &IoLimit::wiops},
    }};
    for (const auto& [name, field] : kFiles) {
      std::optional<std::vector<std::pair<DeviceId, uint64_t>>> entries;
      DWAE_TRY(read_into(ctx, fd, name, entries, parse_blkio_throttle_v1));
      if (entries) merge_throttle(io.limits, *entries, field);
    }
  }
  if (!io.weight) io.weight = io.bfq_weight;
  return Status::success();
}

Status read_pressure(Context& ctx, CgroupStats& stats) {
  DWAE_TRY_FD(fd, ctx.unified_fd());
  if (fd < 0) return Status::success();
  DWAE_TRY(read_into(ctx, fd, "cpu.pressure", stats.cpu_pressure, parse_pressure));
  DWAE_TRY(read_into(ctx, fd, "memory.pressure", stats.memory_pressure, parse_pressure));
  DWAE_TRY(read_into(ctx, fd, "io.pressure", stats.io_pressure, parse_pressure));
  return Status::success();
}

// Reads a flat-keyed file and stores the wanted keys; an absent file leaves them empty.
Status scan_into(Context& ctx, Slot slot, const char* name,
                 std::initializer_list<KeyTarget> wanted) {
  auto text = ctx.read(slot, name);
  if (!text) return text.error();
  if (!text->has_value()) return Status::success();
  if (auto s = scan_flat_keyed(**text, wanted); !s) {
    return Error{std::string(name) + ": " + s.error().message};
  }
  return Status::success();
}

std::optional<uint64_t> times(const std::optional<uint64_t>& v, uint64_t factor) {
  if (!v) return std::nullopt;
  return *v * factor;
}

// Which statistics a read fills: all of them, or only what a control tick needs (CPU usage and
// throttling, memory in use, PSI), leaving the other fields as they were.
enum class StatsSet { kFull, kTick };

Status read_cpu_stats(Context& ctx, CgroupStats& stats, StatsSet set) {
  // v1 cpu.stat holds only the bandwidth counters, and they stay zero until the cgroup has run
  // under a quota (nr_periods counts the quota's periods): a tick skips it until then.
  const bool v1_cpu = !ctx.v2(Controller::kCpu) && !ctx.v2(Controller::kCpuacct);
  if (set == StatsSet::kFull || !v1_cpu || stats.nr_periods.value_or(0) != 0) {
    DWAE_TRY_FD(fd, ctx.fd(Controller::kCpu));
    if (fd >= 0) {
      std::optional<uint64_t> throttled_us, throttled_time, usage_us, user_us, system_us;
      DWAE_TRY(scan_into(ctx, fd, "cpu.stat",
                         {{"nr_periods", &stats.nr_periods},
                          {"nr_throttled", &stats.nr_throttled},
                          {"throttled_usec", &throttled_us},
                          {"throttled_time", &throttled_time},  // v1: nanoseconds
                          {"usage_usec", &usage_us},
                          {"user_usec", &user_us},
                          {"system_usec", &system_us}}));
      stats.throttled_ns = throttled_us ? times(throttled_us, 1000) : throttled_time;
      if (usage_us) stats.cpu_usage_ns = *usage_us * 1000;
      if (user_us) stats.cpu_user_ns = *user_us * 1000;
      if (system_us) stats.cpu_system_ns = *system_us * 1000;
    }
  }
  if (!ctx.v2(Controller::kCpuacct)) {
    DWAE_TRY_FD(fd, ctx.fd(Controller::kCpuacct));
    if (fd >= 0) {
      DWAE_TRY(read_into(ctx, fd, "cpuacct.usage", stats.cpu_usage_ns, parse_u64));
      if (set == StatsSet::kFull) {
        DWAE_TRY(read_into(ctx, fd, "cpuacct.usage_user", stats.cpu_user_ns, parse_u64));
        DWAE_TRY(read_into(ctx, fd, "cpuacct.usage_sys", stats.cpu_system_ns, parse_u64));
      }
    }
  } else if (!stats.cpu_usage_ns) {
    // Hybrid host without a v1 cpuacct: the v2 mount's cpu.stat always has usage_usec.
    DWAE_TRY_FD(fd, ctx.unified_fd());
    if (fd >= 0) {
      std::optional<uint64_t> usage_us;
      DWAE_TRY(scan_into(ctx, fd, "cpu.stat", {{"usage_usec", &usage_us}}));
      stats.cpu_usage_ns = times(usage_us, 1000);
    }
  }
  return Status::success();
}

Status read_memory_stats(Context& ctx, CgroupStats& stats, StatsSet set) {
  DWAE_TRY_FD(fd, ctx.fd(Controller::kMemory));
  if (fd < 0) return Status::success();
  const bool v2 = ctx.v2(Controller::kMemory);
  DWAE_TRY(read_into(ctx, fd, v2 ? "memory.current" : "memory.usage_in_bytes",
                     stats.memory_current_bytes, parse_u64));
  if (set == StatsSet::kTick) return Status::success();
  // v1 names: rss/cache, and total_* (hierarchical) fault counts, else the local ones.
  std::optional<uint64_t> pgfault, pgmajfault;
  DWAE_TRY(scan_into(ctx, fd, "memory.stat",
                     {{v2 ? "anon" : "rss", &stats.memory_anon_bytes},
                      {v2 ? "file" : "cache", &stats.memory_file_bytes},
                      {v2 ? "pgfault" : "total_pgfault", &stats.pgfault},
                      {v2 ? "pgmajfault" : "total_pgmajfault", &stats.pgmajfault},
                      {"pgfault", &pgfault},
                      {"pgmajfault", &pgmajfault}}));
  if (!stats.pgfault) stats.pgfault = pgfault;
  if (!stats.pgmajfault) stats.pgmajfault = pgmajfault;
  if (v2) {
    DWAE_TRY(scan_into(ctx, fd, "memory.events",
                       {{"oom_kill", &stats.oom_kills}, {"high", &stats.memory_high_events}}));
  } else {
    DWAE_TRY(scan_into(ctx, fd, "memory.oom_control", {{"oom_kill", &stats.oom_kills}}));
  }
  return Status::success();
}

Status read_io_stats(Context& ctx, CgroupStats& stats) {
  DWAE_TRY_FD(fd, ctx.fd(Controller::kIo));
  if (fd < 0) return Status::success();
  if (ctx.v2(Controller::kIo)) {
    DWAE_TRY(read_into(ctx, fd, "io.stat", stats.io, parse_io_stat));
    return Status::success();
  }
  std::optional<std::vector<IoCounters>> bytes, ios;
  DWAE_TRY(read_into(ctx, fd, "blkio.throttle.io_service_bytes", bytes,
                     [](std::string_view t) { return parse_blkio_v1(t, true); }));
  DWAE_TRY(read_into(ctx, fd, "blkio.throttle.io_serviced", ios,
                     [](std::string_view t) { return parse_blkio_v1(t, false); }));
  if (!bytes && !ios) return Status::success();
  std::vector<IoCounters> merged = bytes ? std::move(*bytes) : std::vector<IoCounters>{};
  if (ios) {
    for (const auto& c : *ios) {
      auto it = std::find_if(merged.begin(), merged.end(),
                             [&](const IoCounters& m) { return m.device == c.device; });
      if (it == merged.end()) {
        merged.push_back(IoCounters{c.device});
        it = merged.end() - 1;
      }
      it->rios = c.rios;
      it->wios = c.wios;
      it->dios = c.dios;
    }
  }
  stats.io = std::move(merged);
  return Status::success();
}

Status read_pids_stats(Context& ctx, CgroupStats& stats) {
  DWAE_TRY_FD(fd, ctx.fd(Controller::kPids));
  if (fd < 0) return Status::success();
  DWAE_TRY(read_into(ctx, fd, "pids.current", stats.pids_current, parse_u64));
  return Status::success();
}

Status read_settings_into(Context& ctx, CgroupSettings& s) {
  ctx.set_hot(false);
  DWAE_TRY(read_cpu_settings(ctx, s.cpu));
  DWAE_TRY(read_cpuset_settings(ctx, s.cpuset));
  DWAE_TRY(read_memory_settings(ctx, s.memory));
  DWAE_TRY(read_io_settings(ctx, s.io));
  DWAE_TRY_FD(fd, ctx.fd(Controller::kPids));
  if (fd >= 0) DWAE_TRY(read_into(ctx, fd, "pids.max", s.pids_max, parse_u64));
  return Status::success();
}

Status read_stats_into(Context& ctx, CgroupStats& s, StatsSet set) {
  ctx.set_hot(true);
  DWAE_TRY(read_cpu_stats(ctx, s, set));
  DWAE_TRY(read_memory_stats(ctx, s, set));
  if (set == StatsSet::kFull) {
    DWAE_TRY(read_io_stats(ctx, s));
    DWAE_TRY(read_pids_stats(ctx, s));
  }
  DWAE_TRY(read_pressure(ctx, s));
  return Status::success();
}

Status read_all_stats_into(Context& ctx, CgroupStats& s) {
  return read_stats_into(ctx, s, StatsSet::kFull);
}

// A full read: tries again what was absent, checks the directories, then fills a T with
// `fill` (one of the *_into functions above).
template <typename T, typename Fill>
Result<T> read_with(const CgroupLayout& layout, CgroupHandle& handle, Fill fill) {
  handle.start_full_read();
  DWAE_TRY(handle.check_dirs());
  Context ctx(layout, handle);
  T value;
  DWAE_TRY(fill(ctx, value));
  return value;
}

}  // namespace

Result<CgroupSettings> CgroupReader::read_settings(CgroupHandle& handle) const {
  return read_with<CgroupSettings>(*layout_, handle, read_settings_into);
}

Result<CgroupStats> CgroupReader::read_stats(CgroupHandle& handle) const {
  return read_with<CgroupStats>(*layout_, handle, read_all_stats_into);
}

Status CgroupReader::refresh_tick_stats(CgroupHandle& handle, CgroupStats& stats) const {
  DWAE_TRY(handle.check_dirs());
  Context ctx(*layout_, handle);
  return read_stats_into(ctx, stats, StatsSet::kTick);
}

Result<CgroupSnapshot> CgroupReader::read(CgroupHandle& handle) const {
  // Statistics first: a vanished cgroup shows as ENODEV on its open statistics files.
  return read_with<CgroupSnapshot>(*layout_, handle,
                                   [](Context& ctx, CgroupSnapshot& snap) -> Status {
                                     DWAE_TRY(read_all_stats_into(ctx, snap.stats));
                                     return read_settings_into(ctx, snap.settings);
                                   });
}

Result<CgroupSettings> CgroupReader::read_settings(const CgroupDirs& dirs) const {
  CgroupHandle handle(dirs, false);
  return read_settings(handle);
}

Result<CgroupStats> CgroupReader::read_stats(const CgroupDirs& dirs) const {
  CgroupHandle handle(dirs, false);
  return read_stats(handle);
}

Result<CgroupSnapshot> CgroupReader::read(const CgroupDirs& dirs) const {
  CgroupHandle handle(dirs, false);
  return read(handle);
}

Result<std::vector<int32_t>> read_cgroup_pids(const std::string& dir, bool threads) {
  auto text = read_file(dir + (threads ? "/tasks" : "/cgroup.procs"));
  if (!text && threads && is_missing(text.error())) text = read_file(dir + "/cgroup.threads");
  if (!text) return text.error();
  std::vector<int32_t> pids;
  for (const auto line : split(*text, '\n')) {
    const auto v = parse_int64(line);
    if (!v || *v <= 0 || *v > INT32_MAX) {
      return Error{"bad pid '" + std::string(line) + "' in " + dir};
    }
    pids.push_back(static_cast<int32_t>(*v));
  }
  return pids;
}

}  // namespace dwae::hostfs
