// Feature extraction: derive (two samples -> rates), the 60 s window, and extract (rates +
// window + static facts -> 32 normalised values). Pure functions; FeatureTracker only remembers
// the samples it was given.
#include "dwae/features/features.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

namespace dwae::features {

namespace {

// A finite value clamped to [lo, hi]; NaN and infinities become lo (they carry no signal).
double bounded(double v, double lo, double hi) {
  if (!std::isfinite(v)) return lo;
  return std::clamp(v, lo, hi);
}

double share(uint64_t now, uint64_t prev, double whole) {
  if (whole <= 0 || now < prev) return 0;
  return bounded(static_cast<double>(now - prev) / whole, 0, 1);
}

double ratio(double part, double whole) {
  return whole > 0 ? part / whole : 0;
}

uint64_t minus(uint64_t now, uint64_t prev) {
  return now > prev ? now - prev : 0;
}

}  // namespace

const char* feature_name(Feature f) {
  static constexpr std::array<const char*, kFeatureCount> kNames = {
      "cpu_use",
      "cpu_use_mean",
      "cpu_use_trend",
      "runq_p99",
      "runq_p99_p95",
      "runq_p99_trend",
      "throttled_share",
      "throttled_mean",
      "psi_cpu_some",
      "psi_cpu_some_mean",
      "psi_cpu_full",
      "psi_memory_some",
      "psi_memory_some_max",
      "reclaim_stall",
      "memory_use_vs_high",
      "psi_io_some",
      "io_p99",
      "io_p99_p95",
      "net_drop_share",
      "net_drop_share_mean",
      "net_queue_depth",
      "request_p99_vs_target",
      "top_process_share",
      "top_process_cpu",
      "numa_node",
      "llc_domain",
      "remote_memory_share",
      "is_latency_sensitive",
      "is_best_effort",
      "priority",
      "host_demand_over_capacity",
      "host_overcommit",
  };
  const auto i = static_cast<size_t>(f);
  return i < kFeatureCount ? kNames[i] : "unknown";
}

double latency_scale(double ns) {
  if (!std::isfinite(ns) || ns <= 0) return ns > 0 ? 1.0 : 0.0;
  return bounded(std::log10(1.0 + ns / 1000.0) / 6.0, 0, 1);
}

Tick derive(const WorkloadSample& now, const WorkloadSample& prev, Nanos dt) {
  Tick t;
  t.at = Nanos{0};
  const auto dt_ns = static_cast<double>(dt.count());
  if (dt_ns <= 0) return t;
  const double dt_us = dt_ns / 1000.0;
  t.cpu_cores =
      bounded(static_cast<double>(minus(now.cpu_usage_ns, prev.cpu_usage_ns)) / dt_ns, 0, 1e6);
  if (now.has_runq_delay) {
    t.runq_p99_ns = bounded(
        Log2Histogram::delta(now.runq_delay_ns, prev.runq_delay_ns).quantile(0.99), 0, 1e12);
  }
  const uint64_t periods = minus(now.nr_periods, prev.nr_periods);
  t.throttled_share = share(now.nr_throttled, prev.nr_throttled, static_cast<double>(periods));
  if (now.has_psi) {
    t.psi_cpu_some = share(now.psi.cpu_some_us, prev.psi.cpu_some_us, dt_us);
    t.psi_cpu_full = share(now.psi.cpu_full_us, prev.psi.cpu_full_us, dt_us);
    t.psi_memory_some = share(now.psi.memory_some_us, prev.psi.memory_some_us, dt_us);
    t.psi_io_some = share(now.psi.io_some_us, prev.psi.io_some_us, dt_us);
  }
  t.reclaim_stall = share(now.reclaim_stall_ns, prev.reclaim_stall_ns, dt_ns);
  t.io_p99_ns =
      bounded(Log2Histogram::delta(now.io_latency_ns, prev.io_latency_ns).quantile(0.99), 0, 1e12);
  // Packets sent are counted in 1500-byte packets; only the share matters.
  const double sent = static_cast<double>(minus(now.net_tx_bytes, prev.net_tx_bytes)) / 1500.0;
  const auto dropped = static_cast<double>(minus(now.net_drops, prev.net_drops));
  t.net_drop_share = bounded(ratio(dropped, dropped + sent), 0, 1);
  const auto remote =
      static_cast<double>(minus(now.remote_memory_accesses, prev.remote_memory_accesses));
  const auto local =
      static_cast<double>(minus(now.local_memory_accesses, prev.local_memory_accesses));
  t.remote_memory_share = bounded(ratio(remote, remote + local), 0, 1);
  if (now.has_requests) {
    t.request_p99_ns = bounded(
        Log2Histogram::delta(now.request_latency_ns, prev.request_latency_ns).quantile(0.99), 0,
        1e12);
  }
  return t;
}

void FeatureWindow::add(Sums& s, const Tick& t, double runq, double sign) {
  s.cpu_cores += sign * t.cpu_cores;
  s.runq_scaled += sign * runq;
  s.throttled += sign * t.throttled_share;
  s.psi_cpu_some += sign * t.psi_cpu_some;
  s.net_drop += sign * t.net_drop_share;
  if (sign > 0) {
    ++s.n;
  } else if (s.n > 0) {
    --s.n;
  }
}

double FeatureWindow::percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// Running sums drift by rounding as values come and go; they are rebuilt from the ticks
// every so often so the drift stays far below the features' resolution.
void FeatureWindow::recompute_sums() {
  all_ = Sums{};
  recent_ = Sums{};
  for (size_t i = 0; i < ticks_.size(); ++i) {
    add(all_, ticks_[i], runq_scaled_[i], 1);
    if (i >= recent_begin_) add(recent_, ticks_[i], runq_scaled_[i], 1);
  }
}

void FeatureWindow::push(const Tick& tick) {
  const double runq = latency_scale(tick.runq_p99_ns);
  const double io = latency_scale(tick.io_p99_ns);
  ticks_.push_back(tick);
  runq_scaled_.push_back(runq);
  io_scaled_.push_back(io);
  add(all_, tick, runq, 1);
  add(recent_, tick, runq, 1);
  runq_sorted_.insert(std::upper_bound(runq_sorted_.begin(), runq_sorted_.end(), runq), runq);
  io_sorted_.insert(std::upper_bound(io_sorted_.begin(), io_sorted_.end(), io), io);
  while (!max_mem_.empty() && max_mem_.back().second <= tick.psi_memory_some) max_mem_.pop_back();
  max_mem_.emplace_back(tick.at, tick.psi_memory_some);

  // Leave the last 5 s.
  while (recent_begin_ < ticks_.size() && ticks_[recent_begin_].at < tick.at - kRecent) {
    add(recent_, ticks_[recent_begin_], runq_scaled_[recent_begin_], -1);
    ++recent_begin_;
  }
  // Leave the 60 s window.
  while (!ticks_.empty() && ticks_.front().at < tick.at - kSpan) {
    const Tick& old = ticks_.front();
    add(all_, old, runq_scaled_.front(), -1);
    runq_sorted_.erase(
        std::lower_bound(runq_sorted_.begin(), runq_sorted_.end(), runq_scaled_.front()));
    io_sorted_.erase(std::lower_bound(io_sorted_.begin(), io_sorted_.end(), io_scaled_.front()));
    if (!max_mem_.empty() && max_mem_.front().first <= old.at) max_mem_.pop_front();
    if (recent_begin_ > 0) --recent_begin_;
    ticks_.pop_front();
    runq_scaled_.pop_front();
    io_scaled_.pop_front();
    if (++pops_ % 256 == 0) recompute_sums();
  }
}

void update_host_context(HostContext& host, const std::vector<Tick>& ticks) {
  const double cpus = std::max<uint32_t>(1, host.cpus);
  double used = 0, wanted = 0;
  for (const auto& t : ticks) {
    used += t.cpu_cores;
    // What waited is not counted in CPUs by any source; PSI "some" scales the use up, to at
    // most twice (documented as an estimate in docs/features.md).
    wanted += t.cpu_cores * (1.0 + t.psi_cpu_some);
  }
  host.cpu_utilisation = bounded(used / cpus, 0, 1);
  host.demand_over_capacity = bounded(wanted / cpus, 0, 1e3);
}

FeatureVector extract(const Tick& tick, const FeatureWindow& window, const WorkloadSample& now,
                      const WorkloadInfo& info, const HostContext& host) {
  FeatureVector v{};
  auto set = [&v](Feature f, double value, double lo, double hi) {
    v[static_cast<size_t>(f)] = bounded(value, lo, hi);
  };
  const double cpus = std::max<uint32_t>(1, host.cpus);
  const auto& all = window.all();
  const auto& recent = window.recent();
  const auto mean = [](double sum, size_t n) { return n > 0 ? sum / static_cast<double>(n) : 0; };

  set(Feature::kCpuUse, tick.cpu_cores / cpus, 0, 1);
  const double cpu_all = mean(all.cpu_cores, all.n) / cpus;
  set(Feature::kCpuUseMean, cpu_all, 0, 1);
  set(Feature::kCpuUseTrend, mean(recent.cpu_cores, recent.n) / cpus - cpu_all, -1, 1);
  set(Feature::kRunqP99, latency_scale(tick.runq_p99_ns), 0, 1);
  set(Feature::kRunqP99P95, window.runq_scaled_percentile(0.95), 0, 1);
  set(Feature::kRunqP99Trend, mean(recent.runq_scaled, recent.n) - mean(all.runq_scaled, all.n), -1,
      1);
  set(Feature::kThrottledShare, tick.throttled_share, 0, 1);
  set(Feature::kThrottledMean, mean(all.throttled, all.n), 0, 1);
  set(Feature::kPsiCpuSome, tick.psi_cpu_some, 0, 1);
  set(Feature::kPsiCpuSomeMean, mean(all.psi_cpu_some, all.n), 0, 1);
  set(Feature::kPsiCpuFull, tick.psi_cpu_full, 0, 1);
  set(Feature::kPsiMemorySome, tick.psi_memory_some, 0, 1);
  set(Feature::kPsiMemorySomeMax, window.max_psi_memory_some(), 0, 1);
  set(Feature::kReclaimStall, tick.reclaim_stall, 0, 1);
  const uint64_t high = now.applied.memory_high_bytes.value_or(kNoLimit);
  const double limit =
      high != kNoLimit ? static_cast<double>(high) : static_cast<double>(host.memory_total_bytes);
  set(Feature::kMemoryUseVsHigh, ratio(static_cast<double>(now.memory_current_bytes), limit) / 2, 0,
      1);
  set(Feature::kPsiIoSome, tick.psi_io_some, 0, 1);
  set(Feature::kIoP99, latency_scale(tick.io_p99_ns), 0, 1);
  set(Feature::kIoP99P95, window.io_scaled_percentile(0.95), 0, 1);
  set(Feature::kNetDropShare, tick.net_drop_share, 0, 1);
  set(Feature::kNetDropShareMean, mean(all.net_drop, all.n), 0, 1);
  set(Feature::kNetQueueDepth, std::log2(1.0 + static_cast<double>(now.net_queue_depth)) / 16, 0,
      1);
  if (info.p99_target && info.p99_target->count() > 0) {
    set(Feature::kRequestP99VsTarget,
        tick.request_p99_ns / static_cast<double>(info.p99_target->count()) / 4, 0, 1);
  }
  set(Feature::kTopProcessShare, now.top_process_cpu_share, 0, 1);
  set(Feature::kTopProcessCpu, now.top_process_cpu_share * tick.cpu_cores / cpus, 0, 1);
  set(Feature::kNumaNode, ratio(info.numa_node, std::max<uint32_t>(1, host.numa_nodes) - 1.0), 0,
      1);
  set(Feature::kLlcDomain, ratio(info.llc_domain, std::max<uint32_t>(1, host.llc_domains) - 1.0), 0,
      1);
  set(Feature::kRemoteMemoryShare, tick.remote_memory_share, 0, 1);
  set(Feature::kIsLatencySensitive, info.class_kind == WorkloadClassKind::kLatencySensitive ? 1 : 0,
      0, 1);
  set(Feature::kIsBestEffort, info.class_kind == WorkloadClassKind::kBestEffort ? 1 : 0, 0, 1);
  set(Feature::kPriority, info.priority / 100.0, 0, 1);
  set(Feature::kHostDemandOverCapacity, host.demand_over_capacity / 2, 0, 1);
  set(Feature::kHostOvercommit, host.overcommit_ratio / 10, 0, 1);
  return v;
}

std::vector<FeatureTracker::Entry> FeatureTracker::update(const HostSample& now,
                                                          const std::vector<WorkloadInfo>& infos) {
  std::vector<Entry> out;
  host_.cpus = now.cpus;
  host_.memory_total_bytes = now.memory_total_bytes;
  const Nanos dt = have_prev_ ? now.at - prev_at_ : Nanos{0};
  std::unordered_map<std::string_view, const WorkloadSample*> by_name;
  by_name.reserve(now.workloads.size());
  for (const auto& w : now.workloads) by_name.emplace(w.name, &w);
  for (const auto& info : infos) {
    const auto found = by_name.find(info.name);
    if (found == by_name.end()) continue;
    const WorkloadSample* s = found->second;
    const auto p = prev_.find(info.name);
    if (p == prev_.end() || dt.count() <= 0) continue;
    Entry e;
    e.info = &info;
    e.sample = s;
    e.tick = derive(*s, p->second, dt);
    e.tick.at = now.at;
    out.push_back(e);
  }
  std::vector<Tick> ticks;
  ticks.reserve(out.size());
  for (const auto& e : out) ticks.push_back(e.tick);
  update_host_context(host_, ticks);
  for (auto& e : out) {
    auto& window = windows_[e.info->name];
    window.push(e.tick);
    e.features = extract(e.tick, window, *e.sample, *e.info, host_);
  }
  // Forget workloads that vanished; keep this sample as the next one's previous.
  // Assigning in place reuses the map's nodes tick after tick; only vanished names are erased.
  for (const auto& w : now.workloads) prev_[w.name] = w;
  for (auto it = prev_.begin(); it != prev_.end();) {
    it = by_name.count(it->first) > 0 ? std::next(it) : prev_.erase(it);
  }
  for (auto it = windows_.begin(); it != windows_.end();) {
    it = prev_.count(it->first) > 0 ? std::next(it) : windows_.erase(it);
  }
  prev_at_ = now.at;
  have_prev_ = true;
  return out;
}

const FeatureWindow* FeatureTracker::window(const std::string& name) const {
  const auto it = windows_.find(name);
  return it == windows_.end() ? nullptr : &it->second;
}

}  // namespace dwae::features
