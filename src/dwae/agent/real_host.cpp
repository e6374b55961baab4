// RealHost: discovery + cgroup handles + the eBPF scheduling collector -> HostSample.
#include "dwae/agent/real_host.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>
#include <string_view>

#include "dwae/actuator/values.h"
#include "dwae/agent/log.h"
#include "dwae/common/file.h"
#include "dwae/hostfs/parsers.h"
#include "dwae/telemetry/sched_collector.h"

namespace dwae::agent {
namespace {

constexpr uint64_t kDefaultPeriodUs = 100'000;

WorkloadClassKind kind_of(config::ClassKind kind) {
  switch (kind) {
    case config::ClassKind::kLatencySensitive:
      return WorkloadClassKind::kLatencySensitive;
    case config::ClassKind::kThroughput:
      return WorkloadClassKind::kThroughput;
    case config::ClassKind::kBestEffort:
      break;
  }
  return WorkloadClassKind::kBestEffort;
}

void merge(config::StaticSettings& into, const config::StaticSettings& over) {
  if (over.cpu_weight) into.cpu_weight = over.cpu_weight;
  if (over.cpu_quota_cores) into.cpu_quota_cores = over.cpu_quota_cores;
  if (over.cpu_idle) into.cpu_idle = over.cpu_idle;
  if (over.memory_low_bytes) into.memory_low_bytes = over.memory_low_bytes;
  if (over.memory_high_bytes) into.memory_high_bytes = over.memory_high_bytes;
  if (over.io_weight) into.io_weight = over.io_weight;
}

uint64_t memory_total_bytes(const hostfs::ProcFs& procfs) {
  const auto text = read_file(procfs.paths().proc + "/meminfo");
  if (!text) return 0;
  const std::string_view key = "MemTotal:";
  const auto at = text->find(key);
  if (at == std::string::npos) return 0;
  return std::strtoull(text->c_str() + at + key.size(), nullptr, 10) * 1024;
}

void add_pressure(const std::optional<hostfs::Pressure>& p, uint64_t& some, uint64_t& full) {
  if (!p) return;
  some = p->some.total_us;
  full = p->full ? p->full->total_us : 0;
}

// `io_controller`: the workload has a directory in the I/O hierarchy, so that no limit read
// means none is set (an empty list), not that none can be known.
ResourceTargets targets_from(const hostfs::CgroupSettings& s, bool io_controller) {
  ResourceTargets t;
  if (s.cpu.weight) {
    t.cpu_weight = static_cast<uint32_t>(*s.cpu.weight);
  } else if (s.cpu.shares) {
    t.cpu_weight = static_cast<uint32_t>(actuator::shares_to_weight(*s.cpu.shares));
  }
  if (s.cpu.max) {
    t.cpu_quota_us = s.cpu.max->quota_us ? *s.cpu.max->quota_us : kNoLimit;
    t.cpu_period_us = s.cpu.max->period_us;
  }
  if (s.cpu.burst_us) t.cpu_burst_us = *s.cpu.burst_us;
  if (s.cpu.idle) t.cpu_idle = *s.cpu.idle;
  if (s.cpuset.cpus) t.cpuset_cpus = *s.cpuset.cpus;
  if (s.cpuset.mems) t.cpuset_mems = *s.cpuset.mems;
  t.memory_min_bytes = s.memory.min;
  t.memory_low_bytes = s.memory.low;
  t.memory_high_bytes = s.memory.high;
  t.memory_max_bytes = s.memory.max;
  if (s.io.weight) t.io_weight = static_cast<uint32_t>(s.io.weight->default_weight);
  if (io_controller) {
    std::vector<IoDeviceLimit> limits;
    for (const auto& l : s.io.limits) {
      limits.push_back(
          IoDeviceLimit{l.device.major, l.device.minor, l.rbps, l.wbps, l.riops, l.wiops});
    }
    t.io_limits = std::move(limits);
  }
  return t;
}

void overlay(ResourceTargets& into, const ResourceTargets& over) {
  if (over.cpu_weight) into.cpu_weight = over.cpu_weight;
  if (over.cpu_quota_us) into.cpu_quota_us = over.cpu_quota_us;
  if (over.cpu_period_us) into.cpu_period_us = over.cpu_period_us;
  if (over.cpu_burst_us) into.cpu_burst_us = over.cpu_burst_us;
  if (over.cpu_idle) into.cpu_idle = over.cpu_idle;
  if (over.cpuset_cpus) into.cpuset_cpus = over.cpuset_cpus;
  if (over.cpuset_mems) into.cpuset_mems = over.cpuset_mems;
  if (over.memory_min_bytes) into.memory_min_bytes = over.memory_min_bytes;
  if (over.memory_low_bytes) into.memory_low_bytes = over.memory_low_bytes;
  if (over.memory_high_bytes) into.memory_high_bytes = over.memory_high_bytes;
  if (over.memory_max_bytes) into.memory_max_bytes = over.memory_max_bytes;
  if (over.io_weight) into.io_weight = over.io_weight;
  if (over.io_limits) into.io_limits = over.io_limits;
  if (over.net_share) into.net_share = over.net_share;
}

telemetry::TelemetryOptions telemetry_options(const hostfs::CgroupLayout& layout, bool bpf) {
  telemetry::TelemetryOptions o;
  o.bpf_enabled = bpf;
  o.set_attribution_from(layout);
  // Per-thread schedstat is the run-delay source of last resort; with eBPF it is not needed.
  o.read_task_schedstat = !bpf;
  o.log = [](const std::string& message) { log_warn(message); };
  return o;
}

}  // namespace

CgroupWriteWatch::CgroupWriteWatch() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (fd_ < 0) problem_ = std::string("inotify: ") + std::strerror(errno);
}

CgroupWriteWatch::~CgroupWriteWatch() {
  if (fd_ >= 0) ::close(fd_);
}

Result<int> CgroupWriteWatch::add(const std::string& dir) {
  if (fd_ < 0) return Error{problem_};
  const int watch = ::inotify_add_watch(fd_, dir.c_str(), IN_MODIFY);
  if (watch < 0) return Error{"inotify watch on " + dir + ": " + std::strerror(errno)};
  return watch;
}

void CgroupWriteWatch::remove(int watch) {
  if (fd_ >= 0) ::inotify_rm_watch(fd_, watch);
}

bool CgroupWriteWatch::drain(const std::function<void(int)>& written) {
  if (fd_ < 0) return true;
  bool complete = true;
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // EAGAIN: nothing more pending
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      inotify_event event{};
      std::memcpy(&event, buffer + at, sizeof event);
      if ((event.mask & IN_Q_OVERFLOW) != 0) complete = false;
      // The kernel raises IN_MODIFY itself on the *.events files (cgroup.events when the group
      // empties, memory.events at each memory.high breach: up to 50 a second), which hold no
      // setting.
      const std::string_view name(buffer + at + sizeof(inotify_event),
                                  ::strnlen(buffer + at + sizeof(inotify_event), event.len));
      const bool notice = name.ends_with(".events") || name.ends_with(".events.local");
      if ((event.mask & IN_MODIFY) != 0 && !notice) written(event.wd);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event.len);
    }
  }
  return complete;
}

WorkloadInfo workload_info(const discovery::Workload& workload, const config::Config& config) {
  WorkloadInfo info;
  info.name = workload.name;
  info.class_name = workload.class_name;
  info.class_kind = kind_of(workload.class_kind);
  if (const auto* cls = config.find_class(workload.class_name)) {
    info.priority = cls->priority;
    info.p99_target = cls->sla.p99_latency;
    info.throughput_cv_target = cls->sla.throughput_cv;
  }
  return info;
}

ResourceTargets configured_targets(const discovery::Workload& workload,
                                   const config::Config& config) {
  config::StaticSettings s;
  if (const auto* cls = config.find_class(workload.class_name)) s = cls->defaults;
  for (const auto& rule : config.workloads) {
    if (rule.name == workload.rule) merge(s, rule.settings);
  }
  ResourceTargets t;
  t.cpu_weight = s.cpu_weight;
  if (s.cpu_quota_cores) {
    t.cpu_period_us = kDefaultPeriodUs;
    t.cpu_quota_us = static_cast<uint64_t>(std::llround(*s.cpu_quota_cores * kDefaultPeriodUs));
  }
  t.cpu_idle = s.cpu_idle;
  t.memory_low_bytes = s.memory_low_bytes;
  t.memory_high_bytes = s.memory_high_bytes;
  t.io_weight = s.io_weight;
  return t;
}

RealHost::RealHost(const config::Config& config, const hostfs::CgroupLayout& layout,
                   hostfs::ProcFs procfs, const Clock& clock, RealHostOptions options)
    : config_(config),
      matches_processes_(matches_processes(config)),
      layout_(&layout),
      clock_(&clock),
      procfs_(std::move(procfs)),
      reader_(layout),
      options_(options),
      telemetry_(telemetry::Telemetry::open(layout, telemetry_options(layout, options.use_bpf),
                                            procfs_.paths())) {
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  cpus_ = online > 0 ? static_cast<uint32_t>(online) : 1;
  memory_total_ = memory_total_bytes(procfs_);
  if (options.use_bpf && telemetry_.status().find("bpf:sched") != nullptr &&
      !telemetry_.status().find("bpf:sched")->active) {
    // eBPF scheduling is off: open again with per-thread schedstat as the run-delay source.
    auto o = telemetry_options(layout, true);
    o.read_task_schedstat = true;
    o.log = nullptr;  // the reasons were logged by the first open
    telemetry_ = telemetry::Telemetry::open(layout, std::move(o), procfs_.paths());
  }
  if (!writes_.problem().empty()) {
    log_warn("workload settings are read at every sample: " + writes_.problem());
  }
}

std::string RealHost::telemetry_summary() const {
  const auto& st = telemetry_.status();
  std::string active;
  for (const auto& src : st.sources) {
    if (!src.active) continue;
    active += active.empty() ? "" : ", ";
    active += src.name;
  }
  std::string out = active.empty() ? "no source active" : active;
  if (!st.bpf_problem.empty()) out += " (eBPF: " + st.bpf_problem + ")";
  return out;
}

void RealHost::set_config(const config::Config& config) {
  config_ = config;
  matches_processes_ = matches_processes(config);
  must_rediscover_ = true;
  config_pending_ = true;
}

void RealHost::watch(Tracked& t) {
  std::set<std::string> dirs(t.workload.dirs.by_controller.begin(),
                             t.workload.dirs.by_controller.end());
  dirs.insert(t.workload.dirs.unified);
  dirs.erase("");
  for (const auto& dir : dirs) {
    auto watch = writes_.add(dir);
    if (!watch) {
      t.unwatched = true;
      // Once: the others that cannot be watched are read every sample the same way.
      if (!watch_failure_logged_ && writes_.problem().empty()) {
        log_warn("the settings of " + t.workload.name + " (and any other workload not watched) " +
                 "are read at every sample: " + watch.error().message);
        watch_failure_logged_ = true;
      }
      continue;
    }
    if (std::find(t.watches.begin(), t.watches.end(), *watch) == t.watches.end()) {
      t.watches.push_back(*watch);
    }
  }
}

void RealHost::unwatch(const std::vector<int>& watches) {
  for (const int w : watches) {
    if (watchers_.count(w) == 0) writes_.remove(w);
  }
}

void RealHost::note_writes() {
  const bool complete = writes_.drain([this](int watch) {
    const auto [from, to] = watchers_.equal_range(watch);
    for (auto it = from; it != to; ++it) it->second->settings_stale = true;
  });
  if (!complete) {
    for (auto& t : tracked_) t->settings_stale = true;
  }
}

void RealHost::read_settings(size_t index, Tracked& t) {
  // Cleared before the read: a write during it raises its watch again for the next sample.
  t.settings_stale = false;
  auto settings = reader_.read_settings(t.workload.dirs);
  if (!settings) {
    // Kept as last read; a cgroup that vanished shows in its statistics files first.
    t.settings_stale = true;
    return;
  }
  ResourceTargets now =
      targets_from(*settings, !t.workload.dirs.get(hostfs::Controller::kIo).empty());
  now.net_share = t.applied.net_share;  // no cgroup file holds it
  // A new quota starts cpu.stat's counters, which the per-tick reads skip until they move.
  if (t.settings_read && now.cpu_quota_us != t.applied.cpu_quota_us) {
    telemetry_.read_all_next(index);
  }
  t.applied = std::move(now);
  t.settings_read = true;
}

void RealHost::note_applied(const std::string& workload, const ResourceTargets& applied) {
  for (size_t i = 0; i < tracked_.size(); ++i) {
    Tracked& t = *tracked_[i];
    if (t.workload.name != workload) continue;
    // A new quota starts cpu.stat's counters, which the per-tick reads skip until they move.
    if (applied.cpu_quota_us && applied.cpu_quota_us != t.applied.cpu_quota_us) {
      telemetry_.read_all_next(i);
    }
    overlay(t.applied, applied);
  }
}

std::vector<uint64_t> RealHost::dir_inodes(const hostfs::CgroupDirs& dirs) {
  std::vector<uint64_t> out;
  const auto add = [&out](const std::string& dir) {
    auto id = dir.empty() ? Result<telemetry::CgroupId>(Error{""}) : telemetry::cgroup_id_of(dir);
    out.push_back(id ? *id : 0);
  };
  for (const auto& dir : dirs.by_controller) add(dir);
  add(dirs.unified);
  return out;
}

bool RealHost::matches_processes(const config::Config& config) {
  return std::any_of(config.workloads.begin(), config.workloads.end(),
                     [](const config::WorkloadRule& r) {
                       return r.match.kind == config::MatchRule::Kind::kLibvirtDomain;
                     });
}

bool RealHost::tree_changed() const {
  const auto now = telemetry_.tree_changes();
  if (!now || !changes_at_discovery_) return true;
  if (now->cgroup_changes != changes_at_discovery_->cgroup_changes) return true;
  return matches_processes_ && now->task_moves != changes_at_discovery_->task_moves;
}

Status RealHost::rediscover() {
  // Counted before the walk, so that a change during it triggers the next one; kept only when
  // the walk succeeds, so that a failed one is retried at the next sample allowed.
  const auto changes = telemetry_.tree_changes();
  discovery::Discovery discovery(*layout_, procfs_);
  auto found = discovery.discover(config_);
  if (!found) return found.error();
  changes_at_discovery_ = changes;
  samples_since_discovery_ = 0;
  must_rediscover_ = false;

  // Workloads whose directories did not change keep their accumulated counters and settings.
  std::vector<std::unique_ptr<Tracked>> next;
  bool changed = found->size() != tracked_.size();
  for (auto& w : *found) {
    std::vector<uint64_t> inodes = dir_inodes(w.dirs);
    auto same = std::find_if(tracked_.begin(), tracked_.end(), [&](const auto& t) {
      return t != nullptr && t->workload.name == w.name &&
             t->workload.dirs.by_controller == w.dirs.by_controller &&
             t->workload.dirs.unified == w.dirs.unified && t->inodes == inodes;
    });
    if (same != tracked_.end()) {
      (*same)->workload = w;
      (*same)->info = workload_info(w, config_);
      // Read again at each walk: the kernel changes some settings without a write.
      (*same)->settings_stale = true;
      next.push_back(std::move(*same));
      continue;
    }
    changed = true;
    auto t = std::make_unique<Tracked>();
    t->inodes = std::move(inodes);
    t->workload = w;
    t->info = workload_info(w, config_);
    // Watched before the first read (at the next sample), so that no write falls between.
    watch(*t);
    next.push_back(std::move(t));
  }
  // The telemetry reports in set_workloads() order: any change of order counts as a change.
  for (size_t i = 0; !changed && i < next.size(); ++i) {
    changed = previous_order_[i] != next[i]->workload.name;
  }
  previous_order_.clear();
  for (const auto& t : next) previous_order_.push_back(t->workload.name);
  std::vector<int> dropped;
  for (const auto& t : tracked_) {
    if (t != nullptr) dropped.insert(dropped.end(), t->watches.begin(), t->watches.end());
  }
  tracked_ = std::move(next);
  watchers_.clear();
  for (const auto& t : tracked_) {
    for (const int w : t->watches) watchers_.emplace(w, t.get());
  }
  unwatch(dropped);
  discovered_ = std::move(*found);
  infos_.clear();
  for (const auto& t : tracked_) infos_.push_back(t->info);
  if (changed) {
    ++generation_;
    std::vector<telemetry::WorkloadCgroups> cgroups;
    for (const auto& t : tracked_) cgroups.push_back({t->workload.name, t->workload.dirs});
    telemetry_.set_workloads(cgroups);
  }
  return Status::success();
}

Result<std::vector<WorkloadInfo>> RealHost::workloads() {
  const bool counted = changes_at_discovery_.has_value();
  // A VM's QEMU process may exec after its move into the cgroup was counted: with rules that
  // match processes, the periodic walk stays at rediscover_every.
  const int period =
      counted && !matches_processes_ ? options_.rediscover_quiet_every : options_.rediscover_every;
  const bool due =
      must_rediscover_ || samples_since_discovery_ >= period ||
      (counted && samples_since_discovery_ >= options_.rediscover_min_every && tree_changed());
  if (due) {
    if (auto s = rediscover(); !s) {
      // At start and after a new config there is no set to keep: the caller must know.
      if (!discovered_once_ || config_pending_) return s.error();
      // Otherwise the workloads found last are still watched, and the walk is tried again
      // at every sample until it works.
      if (discovery_failures_++ % 100 == 0) {
        log_warn("discovery failed, keeping the " + std::to_string(infos_.size()) +
                 " workloads found last: " + s.error().message);
      }
      return infos_;
    }
    discovered_once_ = true;
    config_pending_ = false;
    discovery_failures_ = 0;
  }
  return infos_;
}

Result<HostSample> RealHost::sample() {
  ++samples_since_discovery_;
  auto drained = telemetry_.drain();
  if (!drained) return drained.error();
  const telemetry::TelemetryStatus& st = telemetry_.status();
  const auto active = [&st](const char* name) {
    const auto* s = st.find(name);
    return s != nullptr && s->active;
  };
  const bool bpf_sched = active("bpf:sched");
  note_writes();

  HostSample out;
  out.at = clock_->now();
  out.cpus = cpus_;
  out.memory_total_bytes = memory_total_;
  add_pressure(drained->cpu_pressure, out.psi.cpu_some_us, out.psi.cpu_full_us);
  add_pressure(drained->memory_pressure, out.psi.memory_some_us, out.psi.memory_full_us);
  add_pressure(drained->io_pressure, out.psi.io_some_us, out.psi.io_full_us);
  out.workloads.reserve(tracked_.size());
  for (size_t i = 0; i < tracked_.size() && i < drained->workloads.size(); ++i) {
    Tracked& t = *tracked_[i];
    const telemetry::WorkloadTelemetry& wt = drained->workloads[i];
    if (!wt.files) {
      // The cgroup vanished (or became unreadable): drop it now, discover again next tick.
      must_rediscover_ = true;
      continue;
    }
    if (t.settings_stale || t.unwatched) read_settings(i, t);
    telemetry::accumulate_bpf(wt, t.totals);
    const hostfs::CgroupStats& stats = *wt.files;
    WorkloadSample w = t.totals;
    w.name = t.workload.name;
    w.cpu_usage_ns = stats.cpu_usage_ns.value_or(0);
    w.nr_periods = stats.nr_periods.value_or(0);
    w.nr_throttled = stats.nr_throttled.value_or(0);
    w.throttled_ns = stats.throttled_ns.value_or(0);
    w.has_runq_delay = bpf_sched && wt.sched_attributed;
    if (!bpf_sched && wt.task_run_delay_ns) w.runq_delay_total_ns = *wt.task_run_delay_ns;
    add_pressure(stats.cpu_pressure, w.psi.cpu_some_us, w.psi.cpu_full_us);
    add_pressure(stats.memory_pressure, w.psi.memory_some_us, w.psi.memory_full_us);
    add_pressure(stats.io_pressure, w.psi.io_some_us, w.psi.io_full_us);
    w.has_psi = stats.cpu_pressure.has_value();
    w.memory_current_bytes = stats.memory_current_bytes.value_or(0);
    w.memory_high_events = stats.memory_high_events.value_or(0);
    w.pgfault = stats.pgfault.value_or(0);
    w.pgmajfault = stats.pgmajfault.value_or(0);
    // The kernel's own OOM counter when the files have it; else what eBPF saw.
    if (stats.oom_kills) w.oom_kills = *stats.oom_kills;
    w.applied = t.applied;
    out.workloads.push_back(std::move(w));
  }
  return out;
}

}  // namespace dwae::agent
