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

// Log2Histogram::delta(now, before).quantile(q) without building the delta histogram.
double delta_quantile(const Log2Histogram& now, const Log2Histogram& before, double q) {
  std::array<uint64_t, Log2Histogram::kBuckets> d;
  uint64_t n = 0;
  for (size_t i = 0; i < Log2Histogram::kBuckets; ++i) {
    d[i] = minus(now.buckets[i], before.buckets[i]);
    n += d[i];
  }
  if (n == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(n);
  double seen = 0;
  for (size_t i = 0; i < Log2Histogram::kBuckets; ++i) {
    if (d[i] == 0) continue;
    const double next = seen + static_cast<double>(d[i]);
    if (rank <= next) {
      const double lo = i == 0 ? 0.0 : static_cast<double>(uint64_t{1} << i);
      const double hi = static_cast<double>(uint64_t{1} << (i + 1));
      const double frac = (rank - seen) / static_cast<double>(d[i]);
      return lo + frac * (hi - lo);
    }
    seen = next;
  }
  return static_cast<double>(uint64_t{1} << Log2Histogram::kBuckets);
}

// Sorted multisets of doubles in a vector (the window's latencies; never NaN).
void insert_sorted(std::vector<double>& v, double x) {
  v.insert(std::upper_bound(v.begin(), v.end(), x), x);
}

void erase_sorted(std::vector<double>& v, double x) {
  const auto at = std::lower_bound(v.begin(), v.end(), x);
  if (at != v.end()) v.erase(at);
}

// erase_sorted(old_value) then insert_sorted(new_value), moving only the values between.
void replace_sorted(std::vector<double>& v, double old_value, double new_value) {
  if (old_value == new_value) return;  // common: no I/O, or the same latency bucket edge
  const auto at = std::lower_bound(v.begin(), v.end(), old_value);
  if (at == v.end()) {
    insert_sorted(v, new_value);
    return;
  }
  if (new_value >= *at) {
    const auto to = std::upper_bound(at + 1, v.end(), new_value);
    std::move(at + 1, to, at);
    *(to - 1) = new_value;
  } else {
    const auto to = std::upper_bound(v.begin(), at, new_value);
    std::move_backward(to, at, at + 1);
    *to = new_value;
  }
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

Cumulative Cumulative::of(const WorkloadSample& s) {
  Cumulative c;
  c.cpu_usage_ns = s.cpu_usage_ns;
  c.nr_periods = s.nr_periods;
  c.nr_throttled = s.nr_throttled;
  c.psi_cpu_some_us = s.psi.cpu_some_us;
  c.psi_cpu_full_us = s.psi.cpu_full_us;
  c.psi_memory_some_us = s.psi.memory_some_us;
  c.psi_io_some_us = s.psi.io_some_us;
  c.reclaim_stall_ns = s.reclaim_stall_ns;
  c.net_tx_bytes = s.net_tx_bytes;
  c.net_drops = s.net_drops;
  c.remote_memory_accesses = s.remote_memory_accesses;
  c.local_memory_accesses = s.local_memory_accesses;
  c.runq_delay_ns = s.runq_delay_ns;
  c.io_latency_ns = s.io_latency_ns;
  c.request_latency_ns = s.request_latency_ns;
  return c;
}

Tick derive(const WorkloadSample& now, const WorkloadSample& prev, Nanos dt) {
  return derive(now, Cumulative::of(prev), dt);
}

Tick derive(const WorkloadSample& now, const Cumulative& prev, Nanos dt) {
  Tick t;
  t.at = Nanos{0};
  const auto dt_ns = static_cast<double>(dt.count());
  if (dt_ns <= 0) return t;
  const double dt_us = dt_ns / 1000.0;
  t.cpu_cores =
      bounded(static_cast<double>(minus(now.cpu_usage_ns, prev.cpu_usage_ns)) / dt_ns, 0, 1e6);
  if (now.has_runq_delay) {
    t.runq_p99_ns = bounded(delta_quantile(now.runq_delay_ns, prev.runq_delay_ns, 0.99), 0, 1e12);
  }
  const uint64_t periods = minus(now.nr_periods, prev.nr_periods);
  t.throttled_share = share(now.nr_throttled, prev.nr_throttled, static_cast<double>(periods));
  if (now.has_psi) {
    t.psi_cpu_some = share(now.psi.cpu_some_us, prev.psi_cpu_some_us, dt_us);
    t.psi_cpu_full = share(now.psi.cpu_full_us, prev.psi_cpu_full_us, dt_us);
    t.psi_memory_some = share(now.psi.memory_some_us, prev.psi_memory_some_us, dt_us);
    t.psi_io_some = share(now.psi.io_some_us, prev.psi_io_some_us, dt_us);
  }
  t.reclaim_stall = share(now.reclaim_stall_ns, prev.reclaim_stall_ns, dt_ns);
  t.io_p99_ns = bounded(delta_quantile(now.io_latency_ns, prev.io_latency_ns, 0.99), 0, 1e12);
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
    t.request_p99_ns =
        bounded(delta_quantile(now.request_latency_ns, prev.request_latency_ns, 0.99), 0, 1e12);
  }
  return t;
}

template <typename T>
void FeatureWindow::Ring<T>::push_back(const T& v) {
  if (size_ == buf_.size()) {
    std::vector<T> grown(std::max<size_t>(16, buf_.size() + buf_.size() / 2));
    for (size_t i = 0; i < size_; ++i) grown[i] = (*this)[i];
    buf_.swap(grown);
    head_ = 0;
  }
  buf_[wrap(head_ + size_)] = v;
  ++size_;
}

void FeatureWindow::add(Sums& s, const Slot& t, double sign) {
  s.cpu_cores += sign * t.cpu_cores;
  s.runq_scaled += sign * t.runq_scaled;
  s.throttled += sign * t.throttled;
  s.psi_cpu_some += sign * t.psi_cpu_some;
  s.net_drop += sign * t.net_drop;
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
  for (size_t i = 0; i < slots_.size(); ++i) {
    add(all_, slots_[i], 1);
    if (i >= recent_begin_) add(recent_, slots_[i], 1);
  }
}

void FeatureWindow::prefetch() const {
  const size_t n = slots_.size();
  if (n == 0) return;
  __builtin_prefetch(slots_.address(0));              // leaves the window
  __builtin_prefetch(slots_.address(n), 1);           // the new tick (wraps to the front)
  __builtin_prefetch(slots_.address(recent_begin_));  // leaves the last 5 s
  __builtin_prefetch(max_mem_.address(0));
  __builtin_prefetch(max_mem_.address(max_mem_.size() - 1));
  for (const auto* sorted : {&runq_sorted_, &io_sorted_}) {
    if (sorted->empty()) continue;
    // The middle (where a search starts) and the P95 rank.
    __builtin_prefetch(sorted->data() + sorted->size() / 2);
    __builtin_prefetch(sorted->data() + sorted->size() * 95 / 100);
  }
}

void FeatureWindow::push(const Tick& tick) {
  Slot slot;
  slot.at_ns = tick.at.count();
  slot.cpu_cores = tick.cpu_cores;
  slot.runq_scaled = latency_scale(tick.runq_p99_ns);
  slot.throttled = tick.throttled_share;
  slot.psi_cpu_some = tick.psi_cpu_some;
  slot.net_drop = tick.net_drop_share;
  slot.psi_memory_some = tick.psi_memory_some;
  slot.io_scaled = latency_scale(tick.io_p99_ns);
  slots_.push_back(slot);
  add(all_, slot, 1);
  add(recent_, slot, 1);
  while (!max_mem_.empty() && max_mem_.back().value <= slot.psi_memory_some) max_mem_.pop_back();
  max_mem_.push_back({slot.at_ns, slot.psi_memory_some});

  // Leave the last 5 s.
  const int64_t recent_from = (tick.at - kRecent).count();
  while (recent_begin_ < slots_.size() && slots_[recent_begin_].at_ns < recent_from) {
    add(recent_, slots_[recent_begin_], -1);
    ++recent_begin_;
  }
  // Leave the 60 s window. In the steady state one tick leaves as one arrives: its latencies
  // are replaced in the sorted arrays in one move instead of an erase and an insert.
  const int64_t window_from = (tick.at - kSpan).count();
  bool placed = false;
  while (!slots_.empty() && slots_.front().at_ns < window_from) {
    const Slot old = slots_.front();
    add(all_, old, -1);
    if (placed) {
      erase_sorted(runq_sorted_, old.runq_scaled);
      erase_sorted(io_sorted_, old.io_scaled);
    } else {
      replace_sorted(runq_sorted_, old.runq_scaled, slot.runq_scaled);
      replace_sorted(io_sorted_, old.io_scaled, slot.io_scaled);
      placed = true;
    }
    if (!max_mem_.empty() && max_mem_.front().at_ns <= old.at_ns) max_mem_.pop_front();
    if (recent_begin_ > 0) --recent_begin_;
    slots_.pop_front();
    if (++pops_ % 256 == 0) recompute_sums();
  }
  if (!placed) {
    insert_sorted(runq_sorted_, slot.runq_scaled);
    insert_sorted(io_sorted_, slot.io_scaled);
  }
}

namespace {

// used and wanted CPUs over a sequence of ticks, in the order given.
template <typename Ticks, typename Get>
void fill_host_context(HostContext& host, const Ticks& ticks, Get get) {
  const double cpus = std::max<uint32_t>(1, host.cpus);
  double used = 0, wanted = 0;
  for (const auto& x : ticks) {
    const Tick& t = get(x);
    used += t.cpu_cores;
    // What waited is not counted in CPUs by any source; PSI "some" scales the use up, to at
    // most twice (documented as an estimate in docs/features.md).
    wanted += t.cpu_cores * (1.0 + t.psi_cpu_some);
  }
  host.cpu_utilisation = bounded(used / cpus, 0, 1);
  host.demand_over_capacity = bounded(wanted / cpus, 0, 1e3);
}

}  // namespace

void update_host_context(HostContext& host, const std::vector<Tick>& ticks) {
  fill_host_context(host, ticks, [](const Tick& t) -> const Tick& { return t; });
}

WindowStats WindowStats::of(const FeatureWindow& window) {
  WindowStats s;
  s.all = window.all();
  s.recent = window.recent();
  s.max_psi_memory_some = window.max_psi_memory_some();
  s.runq_scaled_p95 = window.runq_scaled_percentile(0.95);
  s.io_scaled_p95 = window.io_scaled_percentile(0.95);
  return s;
}

FeatureVector extract(const Tick& tick, const FeatureWindow& window, const WorkloadSample& now,
                      const WorkloadInfo& info, const HostContext& host) {
  return extract(tick, WindowStats::of(window), now, info, host);
}

FeatureVector extract(const Tick& tick, const WindowStats& window, const WorkloadSample& now,
                      const WorkloadInfo& info, const HostContext& host) {
  FeatureVector v{};
  auto set = [&v](Feature f, double value, double lo, double hi) {
    v[static_cast<size_t>(f)] = bounded(value, lo, hi);
  };
  const double cpus = std::max<uint32_t>(1, host.cpus);
  const auto& all = window.all;
  const auto& recent = window.recent;
  const auto mean = [](double sum, size_t n) { return n > 0 ? sum / static_cast<double>(n) : 0; };

  set(Feature::kCpuUse, tick.cpu_cores / cpus, 0, 1);
  const double cpu_all = mean(all.cpu_cores, all.n) / cpus;
  set(Feature::kCpuUseMean, cpu_all, 0, 1);
  set(Feature::kCpuUseTrend, mean(recent.cpu_cores, recent.n) / cpus - cpu_all, -1, 1);
  set(Feature::kRunqP99, latency_scale(tick.runq_p99_ns), 0, 1);
  set(Feature::kRunqP99P95, window.runq_scaled_p95, 0, 1);
  set(Feature::kRunqP99Trend, mean(recent.runq_scaled, recent.n) - mean(all.runq_scaled, all.n), -1,
      1);
  set(Feature::kThrottledShare, tick.throttled_share, 0, 1);
  set(Feature::kThrottledMean, mean(all.throttled, all.n), 0, 1);
  set(Feature::kPsiCpuSome, tick.psi_cpu_some, 0, 1);
  set(Feature::kPsiCpuSomeMean, mean(all.psi_cpu_some, all.n), 0, 1);
  set(Feature::kPsiCpuFull, tick.psi_cpu_full, 0, 1);
  set(Feature::kPsiMemorySome, tick.psi_memory_some, 0, 1);
  set(Feature::kPsiMemorySomeMax, window.max_psi_memory_some, 0, 1);
  set(Feature::kReclaimStall, tick.reclaim_stall, 0, 1);
  const uint64_t high = now.applied.memory_high_bytes.value_or(kNoLimit);
  const double limit =
      high != kNoLimit ? static_cast<double>(high) : static_cast<double>(host.memory_total_bytes);
  set(Feature::kMemoryUseVsHigh, ratio(static_cast<double>(now.memory_current_bytes), limit) / 2, 0,
      1);
  set(Feature::kPsiIoSome, tick.psi_io_some, 0, 1);
  set(Feature::kIoP99, latency_scale(tick.io_p99_ns), 0, 1);
  set(Feature::kIoP99P95, window.io_scaled_p95, 0, 1);
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
  update(now, infos, out);
  return out;
}

void FeatureTracker::update(const HostSample& now, const std::vector<WorkloadInfo>& infos,
                            std::vector<Entry>& out) {
  out.clear();
  host_.cpus = now.cpus;
  host_.memory_total_bytes = now.memory_total_bytes;
  const Nanos dt = have_prev_ ? now.at - prev_at_ : Nanos{0};
  const uint64_t tick = ++updates_;
  const size_t n = now.workloads.size();

  // Every sampled workload's track, found or made: one hash lookup per workload per tick. A
  // track exists only while its workload is in every sample, so one that existed before this
  // sample holds the previous sample's counters.
  track_of_.resize(n);
  had_prev_.assign(n, 0);
  bool duplicates = false;
  size_t distinct = 0;
  for (size_t j = 0; j < n; ++j) {
    auto [it, made] = tracks_.try_emplace(now.workloads[j].name);
    Track& t = it->second;
    if (t.seen == tick) {
      duplicates = true;
    } else {
      ++distinct;
      had_prev_[j] = made ? 0 : 1;
      t.seen = tick;
    }
    track_of_[j] = &t;
  }

  // Each info's sample. Infos and samples usually list workloads in the same order; otherwise
  // (or when a name is sampled twice, where the first one counts) samples are looked up by name.
  bool indexed = false;
  sample_of_info_.resize(infos.size());
  infos_naming_.assign(n, 0);
  for (size_t i = 0; i < infos.size(); ++i) {
    const std::string& name = infos[i].name;
    size_t j = n;
    if (!duplicates && i < n && now.workloads[i].name == name) {
      j = i;
    } else {
      if (!indexed) {
        index_of_.clear();
        for (size_t k = 0; k < n; ++k) index_of_.emplace(now.workloads[k].name, k);
        indexed = true;
      }
      const auto found = index_of_.find(name);
      if (found != index_of_.end()) j = found->second;
    }
    sample_of_info_[i] = j;
    if (j < n && infos_naming_[j] < 2) ++infos_naming_[j];
  }

  // Rates and windows, one workload at a time so its track is visited once. Its counters are
  // replaced by this sample's right after its rates are derived, unless another entry still
  // needs them (a name listed twice).
  kept_.assign(n, 0);
  stats_.clear();
  if (dt.count() > 0) {
    constexpr size_t kAhead = 2;  // workloads whose memory is requested ahead of their turn
    for (size_t i = 0; i < infos.size(); ++i) {
      if (i + kAhead < infos.size()) {
        const size_t ahead = sample_of_info_[i + kAhead];
        if (ahead < n && had_prev_[ahead] != 0) {
          const Track& t = *track_of_[ahead];
          for (size_t line = 0; line < sizeof(Track); line += 64) {
            __builtin_prefetch(reinterpret_cast<const char*>(&t) + line);
          }
          t.window.prefetch();
        }
      }
      const size_t j = sample_of_info_[i];
      if (j == n || had_prev_[j] == 0) continue;
      Track& track = *track_of_[j];
      Entry& e = out.emplace_back();
      e.info = &infos[i];
      e.sample = &now.workloads[j];
      e.tick = derive(*e.sample, track.prev, dt);
      e.tick.at = now.at;
      track.window.push(e.tick);
      stats_.push_back(WindowStats::of(track.window));
      if (!duplicates && infos_naming_[j] == 1) {
        track.prev = Cumulative::of(*e.sample);
        kept_[j] = 1;
      }
    }
  }
  fill_host_context(host_, out, [](const Entry& e) -> const Tick& { return e.tick; });
  for (size_t k = 0; k < out.size(); ++k) {
    out[k].features = extract(out[k].tick, stats_[k], *out[k].sample, *out[k].info, host_);
  }

  // This sample is the next one's previous (the last of a name sampled twice); workloads not in
  // it are forgotten with their windows.
  for (size_t j = 0; j < n; ++j) {
    if (kept_[j] == 0) track_of_[j]->prev = Cumulative::of(now.workloads[j]);
  }
  if (distinct != tracks_.size()) {
    for (auto it = tracks_.begin(); it != tracks_.end();) {
      it = it->second.seen == tick ? std::next(it) : tracks_.erase(it);
    }
  }
  prev_at_ = now.at;
  have_prev_ = true;
}

const FeatureWindow* FeatureTracker::window(const std::string& name) const {
  const auto it = tracks_.find(name);
  return it == tracks_.end() || it->second.window.empty() ? nullptr : &it->second.window;
}

}  // namespace dwae::features
