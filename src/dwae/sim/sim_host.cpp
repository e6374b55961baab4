// The step loop of the simulated host. Order inside a step: phases (bursts, GC, restarts) ->
// memory -> CPU shares -> hardware speed (SMT, NUMA, LLC) -> requests event by event -> bulk
// CPU -> block device and link -> metrics.
#include "dwae/sim/sim_host.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace dwae::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNsPerS = 1e9;
constexpr double kRestartNs = 2e9;  // an OOM-killed workload is back after this long
// CPU an I/O-bound workload (log writer, object reader) needs to keep its I/O going.
constexpr double kIoBoundCpuCores = 0.1;
// Requests a service holds at once, served and waiting (the kernel's default listen backlog,
// somaxconn): an arrival beyond it is refused and counts as failed, so an overloaded service's
// queue, and the simulator's memory, stay bounded.
constexpr size_t kMaxInSystem = 4096;
// Latencies are recorded in integer nanoseconds: anything longer than this (11.6 days) is
// recorded as this.
constexpr double kMaxLatencyNs = 1e15;

bool is_request_driven(WorkloadKind kind) {
  return kind == WorkloadKind::kService || kind == WorkloadKind::kManaged ||
         kind == WorkloadKind::kMetadata || kind == WorkloadKind::kVideo;
}

// Requests and frames are one unit (both are counted per completion).
int throughput_unit(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kBatch:
    case WorkloadKind::kNoisy:
      return 1;
    case WorkloadKind::kLogWriter:
    case WorkloadKind::kObjectReader:
      return 2;
    default:
      return 0;
  }
}

double sample_work(const ServiceSpec& spec, const Rng::LognormalParams& lognormal, Rng& rng) {
  const auto mean = static_cast<double>(spec.mean.count());
  switch (spec.kind) {
    case ServiceDistKind::kExponential:
      return rng.exponential(mean);
    case ServiceDistKind::kConstant:
      return mean;
    case ServiceDistKind::kLognormal:
      return rng.lognormal(lognormal);
  }
  return mean;
}

// Log2Histogram::add, inlined for the per-request path (same buckets as bucket_of()).
inline void add_log2(Log2Histogram& h, uint64_t value_ns, uint64_t count = 1) {
  const auto b = value_ns < 2 ? size_t{0} : static_cast<size_t>(std::bit_width(value_ns) - 1);
  h.buckets[b < Log2Histogram::kBuckets ? b : Log2Histogram::kBuckets - 1] += count;
}

}  // namespace

SimHost::SimHost(const Scenario& scenario, ManualClock& clock)
    : scenario_(scenario), clock_(clock), io_(scenario.host.disk), net_(scenario.host.link) {
  now_ns_ = static_cast<double>(clock_.now().count());
  next_window_ns_ = now_ns_ + kNsPerS;
  // ClassMetrics holds two 21 KiB histograms: build them in place, never move them.
  metrics_.classes.reserve(scenario_.classes.size());
  for (const auto& c : scenario_.classes) {
    ClassMetrics& m = metrics_.classes.emplace_back();
    m.name = c.name;
    if (c.p99_target) m.p99_target_ns = static_cast<double>(c.p99_target->count());
  }
  for (const auto& spec : scenario_.workloads) {
    size_t class_index = 0;
    for (size_t i = 0; i < scenario_.classes.size(); ++i) {
      if (scenario_.classes[i].name == spec.class_name) class_index = i;
    }
    auto w = std::make_unique<WorkloadState>(spec, class_index, scenario_.seed);
    w->request_driven = is_request_driven(spec.kind);
    w->io.pattern = spec.kind == WorkloadKind::kMetadata ? IoPattern::kMetadata : spec.io.pattern;
    w->io.op_bytes = spec.io.op_bytes;
    w->io.cost_s = io_.op_cost_s(w->io.pattern, w->io.op_bytes);
    w->net.reliable = spec.net.reliable;
    w->work_lognormal =
        Rng::LognormalParams::of(static_cast<double>(spec.service.mean.count()), spec.service.cv);
    w->heap_bytes = static_cast<double>(spec.gc.live_bytes);
    w->working_set_bytes = static_cast<double>(spec.memory.working_set_bytes);
    w->accesses_per_cpu_ns =
        spec.memory.memory_bound / static_cast<double>(scenario_.host.local_memory_latency.count());
    w->leak_bytes_per_ns = spec.memory.leak_bytes_per_second / kNsPerS;
    if (spec.io.bytes_per_second > 0) {
      const double ops_per_s = spec.io.bytes_per_second / static_cast<double>(spec.io.op_bytes);
      w->io_ops_per_ns = ops_per_s / kNsPerS;
      w->io_backlog_cap_ops = ops_per_s * kMaxBacklogSeconds;
    }
    w->net_bytes_per_ns = spec.net.bytes_per_second / kNsPerS;
    w->bursts = spec.burst.on.count() > 0 && spec.burst.off.count() > 0;
    // A class's throughput is counted in the unit of its first workload (requests, frames,
    // bytes or CPU-seconds); workloads of another unit do not add to it.
    for (const auto& other : scenario_.workloads) {
      if (other.class_name == spec.class_name) {
        w->counts_throughput = throughput_unit(other.kind) == throughput_unit(spec.kind);
        break;
      }
    }
    derive(*w);
    // Only workloads that can issue I/O or send take part in the device's and the link's
    // sharing (the others would ask for nothing); an unset network share stays 1 / workloads.
    if (spec.io.bytes_per_second > 0 || spec.kind == WorkloadKind::kMetadata) {
      io_queues_.push_back(&w->io);
      if ((spec.kind == WorkloadKind::kLogWriter || spec.kind == WorkloadKind::kObjectReader) &&
          w->counts_throughput) {
        io_throughput_.push_back(workloads_.size());
      }
    }
    if (spec.net.bytes_per_request > 0 || spec.net.bytes_per_second > 0) {
      net_queues_.push_back(&w->net);
    }
    any_llc_sensitive_ = any_llc_sensitive_ || spec.memory.llc_sensitivity != 0;
    workloads_.push_back(std::move(w));
  }
}

SimHost::~SimHost() = default;

uint32_t SimHost::node_of_cpu(uint32_t cpu) const {
  const auto& h = scenario_.host;
  const uint32_t physical = cpu % h.cores;
  const uint32_t per_node = std::max<uint32_t>(1, h.cores / std::max<uint32_t>(1, h.numa_nodes));
  return std::min(physical / per_node, h.numa_nodes - 1);
}

// Turns applied targets into what the models use.
void SimHost::derive(WorkloadState& w) {
  const auto& h = scenario_.host;
  const ResourceTargets& t = w.applied;
  w.weight = t.cpu_weight.value_or(100);
  w.idle = t.cpu_idle.value_or(false);
  w.cpus.clear();
  if (t.cpuset_cpus && !t.cpuset_cpus->empty()) {
    // A set, as the kernel reads "1,1": a CPU listed twice is still one CPU.
    w.cpus = *t.cpuset_cpus;
    std::sort(w.cpus.begin(), w.cpus.end());
    w.cpus.erase(std::unique(w.cpus.begin(), w.cpus.end()), w.cpus.end());
  } else {
    for (uint32_t c = 0; c < h.logical_cpus(); ++c) w.cpus.push_back(c);
  }
  std::vector<double> node_share(h.numa_nodes, 0.0);
  for (const uint32_t c : w.cpus)
    node_share[node_of_cpu(c)] += 1.0 / static_cast<double>(w.cpus.size());
  if (t.cpuset_mems && !t.cpuset_mems->empty()) {
    // Memory is bound: remote whenever the task runs on another node.
    std::vector<uint32_t> mems = *t.cpuset_mems;
    std::sort(mems.begin(), mems.end());
    mems.erase(std::unique(mems.begin(), mems.end()), mems.end());
    double local = 0;
    for (const uint32_t m : mems) {
      if (m < h.numa_nodes) local += node_share[m];
    }
    local /= static_cast<double>(mems.size());
    w.remote_share = 1.0 - local * static_cast<double>(mems.size());
    w.memory_node = t.cpuset_mems->front();
  } else {
    // First touch: memory lands where the task ran, and the task later runs anywhere it may.
    double same = 0;
    for (const double s : node_share) same += s * s;
    w.remote_share = 1.0 - same;
    w.memory_node = w.spec->numa_node;
  }
  w.remote_share = std::clamp(w.remote_share, 0.0, 1.0);
  w.cpu_count = static_cast<double>(w.cpus.size());
  {
    const auto local = static_cast<double>(h.local_memory_latency.count());
    const auto remote = static_cast<double>(h.remote_memory_latency.count());
    const double latency = local * (1 - w.remote_share) + remote * w.remote_share;
    const double bound = w.spec->memory.memory_bound;
    w.numa_speed = 1.0 / ((1 - bound) + bound * latency / local);
  }
  const uint64_t period_ns = t.cpu_period_us.value_or(100'000) * 1000;
  const uint64_t quota_us = t.cpu_quota_us.value_or(kNoLimit);
  w.bandwidth.configure(quota_us == kNoLimit ? 0 : quota_us * 1000, period_ns,
                        t.cpu_burst_us.value_or(0) * 1000);
  w.memory_limits.min = t.memory_min_bytes.value_or(0);
  w.memory_limits.low = t.memory_low_bytes.value_or(0);
  w.memory_limits.high = t.memory_high_bytes.value_or(kNoLimit);
  w.memory_limits.max = t.memory_max_bytes.value_or(kNoLimit);
  w.memory_quiet = false;
  w.io.weight = t.io_weight.value_or(100);
  w.io.limit_iops = 0;
  w.io.limit_bps = 0;
  if (t.io_limits) {
    const bool write =
        w.io.pattern == IoPattern::kSeqWrite || w.io.pattern == IoPattern::kRandWrite;
    for (const auto& l : *t.io_limits) {
      const uint64_t iops = write ? l.wiops : l.riops;
      const uint64_t bps = write ? l.wbps : l.rbps;
      if (iops != kNoLimit) w.io.limit_iops = static_cast<double>(iops);
      if (bps != kNoLimit) w.io.limit_bps = static_cast<double>(bps);
    }
  }
  w.net.share = t.net_share.value_or(0);
  topology_dirty_ = true;
}

Result<std::vector<WorkloadInfo>> SimHost::workloads() {
  std::vector<WorkloadInfo> out;
  out.reserve(workloads_.size());
  for (const auto& w : workloads_) {
    const ClassSpec& c = scenario_.classes[w->class_index];
    WorkloadInfo info;
    info.name = w->spec->name;
    info.class_name = c.name;
    info.class_kind = c.kind;
    info.priority = c.priority;
    info.p99_target = c.p99_target;
    info.throughput_cv_target = c.throughput_cv_target;
    info.numa_node = w->memory_node;
    info.llc_domain = w->memory_node;
    out.push_back(std::move(info));
  }
  return out;
}

Result<HostSample> SimHost::sample() {
  HostSample s;
  s.at = clock_.now();
  s.cpus = scenario_.host.logical_cpus();
  s.memory_total_bytes = scenario_.host.memory_bytes;
  auto us = [](double ns) { return static_cast<uint64_t>(ns / 1000.0); };
  double host_cpu_some = 0, host_mem_some = 0, host_io_some = 0;
  s.workloads.reserve(workloads_.size());
  for (const auto& w : workloads_) {
    // Filled in place: a WorkloadSample holds three histograms, and moving one copies them.
    WorkloadSample& ws = s.workloads.emplace_back();
    ws.name = w->spec->name;
    ws.cpu_usage_ns = static_cast<uint64_t>(w->cpu_usage_ns);
    ws.nr_periods = w->bandwidth.nr_periods;
    ws.nr_throttled = w->bandwidth.nr_throttled;
    ws.throttled_ns = static_cast<uint64_t>(w->bandwidth.throttled_ns);
    ws.runq_delay_ns = w->runq_delay;
    ws.runq_delay_total_ns = static_cast<uint64_t>(w->runq_delay_total_ns);
    ws.has_runq_delay = true;
    ws.psi.cpu_some_us = us(w->psi_cpu_some_ns);
    ws.psi.cpu_full_us = us(w->psi_cpu_full_ns);
    ws.psi.memory_some_us = us(w->memory.psi_some_ns);
    ws.psi.memory_full_us = us(w->memory.psi_full_ns);
    ws.psi.io_some_us = us(w->io.psi_some_ns);
    ws.psi.io_full_us = us(w->io.psi_full_ns);
    ws.has_psi = true;
    host_cpu_some = std::max(host_cpu_some, w->psi_cpu_some_ns);
    host_mem_some = std::max(host_mem_some, w->memory.psi_some_ns);
    host_io_some = std::max(host_io_some, w->io.psi_some_ns);
    ws.memory_current_bytes = static_cast<uint64_t>(w->memory.current_bytes());
    ws.memory_high_events = w->memory.high_events;
    ws.reclaim_stall_ns = static_cast<uint64_t>(w->memory.reclaim_stall_ns);
    ws.pgfault = w->memory.pgfault;
    ws.pgmajfault = w->memory.pgmajfault;
    ws.oom_kills = w->memory.oom_kills;
    ws.local_memory_accesses = static_cast<uint64_t>(w->local_accesses);
    ws.remote_memory_accesses = static_cast<uint64_t>(w->remote_accesses);
    ws.io_latency_ns = w->io.latency_hist;
    ws.io = w->io.io;
    ws.net_rx_bytes = static_cast<uint64_t>(w->net.rx_bytes);
    ws.net_tx_bytes = static_cast<uint64_t>(w->net.tx_bytes);
    ws.net_queue_depth = static_cast<uint64_t>(w->net.queued_bytes / scenario_.host.link.mtu_bytes);
    ws.net_drops = w->net.drops;
    ws.net_retransmits = w->net.retransmits;
    ws.request_latency_ns = w->request_latency;
    ws.requests_completed = w->requests_completed;
    ws.frames_total = w->frames_total;
    ws.frames_missed = w->frames_missed;
    ws.has_requests = w->request_driven;
    ws.top_process_cpu_share = 1.0 / std::max<uint32_t>(1, w->spec->threads);
    ws.applied = w->applied;
  }
  // Host-wide "some": at least one workload stalled; the busiest workload is a lower bound.
  s.psi.cpu_some_us = us(host_cpu_some);
  s.psi.memory_some_us = us(host_mem_some);
  s.psi.io_some_us = us(host_io_some);
  return s;
}

// One workload's targets are one transaction: every field is checked as the kernel would check
// it, and either all are applied or none is.
void SimHost::set_targets(WorkloadState& w, const ResourceTargets& t, const std::string& name,
                          ApplyReport& report) {
  const auto& h = scenario_.host;
  const size_t first = report.fields.size();
  bool ok = true;
  auto field = [&](bool present, const char* f, bool good, const char* why) {
    if (!present) return;
    report.fields.push_back({name, f, good, good ? std::string() : std::string(why)});
    ok = ok && good;
  };
  auto all_below = [](const std::optional<std::vector<uint32_t>>& list, uint32_t limit) {
    return !list->empty() &&
           std::all_of(list->begin(), list->end(), [&](uint32_t v) { return v < limit; });
  };
  field(t.cpu_weight.has_value(), "cpu.weight",
        t.cpu_weight && *t.cpu_weight >= 1 && *t.cpu_weight <= 10000, "out of range 1..10000");
  field(t.cpu_period_us.has_value(), "cpu.max",
        t.cpu_period_us && *t.cpu_period_us >= 1000 && *t.cpu_period_us <= 1'000'000,
        "period out of range 1ms..1s");
  field(t.cpu_quota_us.has_value(), "cpu.max", t.cpu_quota_us && *t.cpu_quota_us >= 1000,
        "quota below the kernel's 1ms minimum");
  {
    // The kernel refuses a burst above the quota, whichever of the two is written.
    const std::optional<uint64_t> quota = t.cpu_quota_us ? t.cpu_quota_us : w.applied.cpu_quota_us;
    const std::optional<uint64_t> burst = t.cpu_burst_us ? t.cpu_burst_us : w.applied.cpu_burst_us;
    const bool burst_fits = !quota || *quota == kNoLimit || !burst || *burst <= *quota;
    field(t.cpu_burst_us.has_value(), "cpu.max.burst", burst_fits, "above the quota");
    if (!t.cpu_burst_us)
      field(t.cpu_quota_us.has_value(), "cpu.max", burst_fits, "below the burst");
  }
  field(t.cpu_idle.has_value(), "cpu.idle", true, "");
  field(t.cpuset_cpus.has_value(), "cpuset.cpus",
        t.cpuset_cpus && all_below(t.cpuset_cpus, h.logical_cpus()),
        "empty or names a CPU the host does not have");
  field(t.cpuset_mems.has_value(), "cpuset.mems",
        t.cpuset_mems && all_below(t.cpuset_mems, h.numa_nodes),
        "empty or names a node the host does not have");
  field(t.memory_min_bytes.has_value(), "memory.min", true, "");
  field(t.memory_low_bytes.has_value(), "memory.low", true, "");
  field(t.memory_high_bytes.has_value(), "memory.high", true, "");
  field(t.memory_max_bytes.has_value(), "memory.max", true, "");
  field(t.io_weight.has_value(), "io.weight",
        t.io_weight && *t.io_weight >= 1 && *t.io_weight <= 10000, "out of range 1..10000");
  field(t.io_limits.has_value(), "io.max",
        t.io_limits && std::none_of(t.io_limits->begin(), t.io_limits->end(),
                                    [](const IoDeviceLimit& l) {
                                      return l.rbps == 0 || l.wbps == 0 || l.riops == 0 ||
                                             l.wiops == 0;
                                    }),
        "a limit of 0 (the kernel refuses it)");
  field(t.net_share.has_value(), "net.share", t.net_share && *t.net_share >= 0 && *t.net_share <= 1,
        "out of range 0..1");
  if (!ok) {
    for (size_t i = first; i < report.fields.size(); ++i) {
      if (report.fields[i].ok) {
        report.fields[i].ok = false;
        report.fields[i].message = kNotAppliedWithTheRest;
      }
    }
    ++report.workloads_failed;
    return;
  }
  ResourceTargets& a = w.applied;
  auto take = [](auto& to, const auto& from) {
    if (from) to = from;
  };
  take(a.cpu_weight, t.cpu_weight);
  take(a.cpu_period_us, t.cpu_period_us);
  take(a.cpu_quota_us, t.cpu_quota_us);
  take(a.cpu_burst_us, t.cpu_burst_us);
  take(a.cpu_idle, t.cpu_idle);
  take(a.cpuset_cpus, t.cpuset_cpus);
  take(a.cpuset_mems, t.cpuset_mems);
  take(a.memory_min_bytes, t.memory_min_bytes);
  take(a.memory_low_bytes, t.memory_low_bytes);
  take(a.memory_high_bytes, t.memory_high_bytes);
  take(a.memory_max_bytes, t.memory_max_bytes);
  take(a.io_weight, t.io_weight);
  take(a.io_limits, t.io_limits);
  take(a.net_share, t.net_share);
  derive(w);
  ++report.workloads_applied;
}

ApplyReport SimHost::apply(const Decision& decision) {
  ApplyReport report;
  for (const auto& d : decision.workloads) {
    auto it = std::find_if(workloads_.begin(), workloads_.end(),
                           [&](const auto& w) { return w->spec->name == d.workload; });
    if (it == workloads_.end()) {
      report.fields.push_back({d.workload, "", false, "no such workload"});
      ++report.workloads_failed;
      continue;
    }
    set_targets(**it, d.targets, d.workload, report);
  }
  return report;
}

Status SimHost::restore() {
  for (auto& w : workloads_) {
    w->applied = ResourceTargets{};
    derive(*w);
  }
  return Status::success();
}

void SimHost::run_until(Nanos t) {
  const auto end = static_cast<double>(t.count());
  const auto quantum = static_cast<double>(scenario_.quantum.count());
  while (now_ns_ < end) {
    const double dt = std::min(quantum, end - now_ns_);
    step(now_ns_, dt);
    now_ns_ += dt;
    while (now_ns_ >= next_window_ns_) {
      metrics_.close_window();
      next_window_ns_ += kNsPerS;
    }
  }
  clock_.set(t);
}

void SimHost::kill(WorkloadState& w, double now) {
  const size_t dropped = w.queue.drop_all();
  w.requests_failed += dropped;
  ClassMetrics& cm = metrics_.classes[w.class_index];
  cm.requests_failed += dropped;
  if (w.spec->kind == WorkloadKind::kVideo) {  // frames never delivered: stalls
    w.frames_total += dropped;
    w.frames_missed += dropped;
    cm.frames_total += dropped;
    cm.frames_missed += dropped;
  }
  w.held_v = 0;  // the dropped requests' work is never done
  w.held_capped_v = 0;
  w.leaked_bytes = 0;
  w.heap_bytes = static_cast<double>(w.spec->gc.live_bytes);
  w.gc_pending = false;
  w.restart_until_ns = now + kRestartNs;
}

// Inline: called once per workload per step, from step() only.
[[gnu::always_inline]] inline void SimHost::step_phases(WorkloadState& w, double t0, double dt) {
  const WorkloadSpec& s = *w.spec;
  w.bandwidth.advance_to(t0);
  if (w.bursts) {
    if (w.burst_phase_end_ns < 0) {
      w.burst_on = false;
      w.burst_phase_end_ns = t0 + w.phase_rng.exponential(static_cast<double>(s.burst.off.count()));
    }
    while (t0 >= w.burst_phase_end_ns) {
      w.burst_on = !w.burst_on;
      const auto mean = static_cast<double>((w.burst_on ? s.burst.on : s.burst.off).count());
      w.burst_phase_end_ns += w.phase_rng.exponential(mean);
    }
  }
  if (w.gc_pending && t0 >= w.gc_pause_until_ns) {
    // Stop the world: the collector traces the live set while requests wait.
    w.gc_pending = false;
    const double pause_ns =
        static_cast<double>(s.gc.live_bytes) / s.gc.collect_bytes_per_second * kNsPerS;
    w.gc_pause_until_ns = t0 + pause_ns;
    w.heap_bytes = static_cast<double>(s.gc.live_bytes);
  }
  if (w.leak_bytes_per_ns > 0) w.leaked_bytes += w.leak_bytes_per_ns * dt;
  const bool restarting = t0 < w.restart_until_ns;
  const bool gc = t0 < w.gc_pause_until_ns;
  switch (s.kind) {
    case WorkloadKind::kBatch:
    case WorkloadKind::kNoisy:
      w.demand = (w.burst_on && !restarting) ? s.threads : 0;
      break;
    case WorkloadKind::kLogWriter:
    case WorkloadKind::kObjectReader:
      w.demand = restarting ? 0 : kIoBoundCpuCores;
      break;
    default: {
      // The step's arrivals and the work each brings are drawn now, before the CPU is shared:
      // a request-driven workload asks for the CPU time its threads would run inside the step
      // at full speed (the work they still hold, up to the step each, and the work of each
      // arrival, up to what is left of the step after it), not for a whole CPU per busy
      // thread; what it does not ask for goes to its neighbours (a CFS thread gives its CPU
      // away when it blocks). The work speed is last step's (this step's follows from the
      // sharing).
      const double t1 = t0 + dt;
      const double cpu_per_work = 1.0 / w.hw_speed;
      const bool estimate = !gc && !restarting;
      double cpu_ns = 0, remaining_v = 0;
      if (estimate) {
        // The last step's end counted the work its threads hold now (step_requests): reused
        // when it was capped at this step's length.
        const double cap_v = dt * w.hw_speed;
        if (w.queue.in_system() == 0) {
          cpu_ns = 0;
        } else if (w.held_cap_v == cap_v) {
          cpu_ns = w.held_capped_v * cpu_per_work;
          remaining_v = w.held_v;
        } else {
          cpu_ns = w.queue.queued_work(t0, cap_v, &remaining_v) * cpu_per_work;
        }
      }
      double next =
          w.next_arrival_ns < 0 ? w.arrivals.next_after(t0, w.arrival_rng) : w.next_arrival_ns;
      w.step_arrivals.clear();
      // Busy threads over the step if none finished in it: those busy at its start, one more
      // at each arrival, at most `threads` (the mean, in busy_ns / dt).
      const auto servers = static_cast<double>(w.queue.servers());
      double busy = std::min(servers, static_cast<double>(w.queue.in_system()));
      double busy_ns = 0, since = t0;
      while (next < t1) {
        busy_ns += busy * (next - since);
        since = next;
        busy = std::min(servers, busy + 1);
        // Drawn even for an arrival that will fail (a restart): the n-th request brings the
        // same work whatever happened before it.
        const double work = sample_work(s.service, w.work_lognormal, w.work_rng);
        w.step_arrivals.push_back({next, work});
        cpu_ns += std::min(work * cpu_per_work, t1 - next);
        next = w.arrivals.next_after(next, w.arrival_rng);
      }
      w.next_arrival_ns = next;
      w.busy_bound = (busy_ns + busy * (t1 - since)) / dt;
      if (gc) {
        w.demand = s.threads;
      } else if (restarting) {
        w.demand = 0;
      }
      if (!estimate) {
        w.cpu_account_open = false;  // a pause or a restart starts the account afresh
      } else {
        // The estimate misses when threads wait for a CPU or run slower than full speed: work
        // it counted in one step is done (and counted again) in the next. The correction takes
        // that back, and adds work done beyond the estimate: the last step's threads did the
        // work handed to them in it less the growth of the work they hold (at the last step's
        // speed, which is still w.hw_speed here).
        double correction = 0;
        if (w.cpu_account_open) {
          const double done_v = (w.work_assigned_v - w.work_assigned_at_step_v) -
                                (remaining_v - w.work_remaining_at_step_v);
          correction =
              (done_v * cpu_per_work - w.cpu_estimate_ns) + (w.cpu_unclamped_ns - w.cpu_asked_ns);
        }
        w.cpu_account_open = true;
        w.work_assigned_at_step_v = w.work_assigned_v;
        w.work_remaining_at_step_v = remaining_v;
        // Not downward when the threads got no CPU at all (thread_share is still the last
        // step's here): a service that got nothing would ask for nothing and get nothing.
        if (w.thread_share == 0) correction = std::max(0.0, correction);
        const double asked = cpu_ns + correction;
        w.cpu_estimate_ns = cpu_ns;
        w.cpu_unclamped_ns = asked;
        w.cpu_asked_ns = std::clamp(asked, 0.0, static_cast<double>(s.threads) * dt);
        w.demand = w.cpu_asked_ns / dt;
      }
      break;
    }
  }
}

void SimHost::step_memory(double t0, double dt, double wanted_sum, double reclaimable_sum) {
  // `wanted_sum`: what the workloads can hold (HostHolding::held); `reclaimable_sum`: the
  // unprotected part of it. When that exceeds host memory, reclaim takes the excess from the
  // unprotected memory first, then from what memory.low protects, each in proportion to what
  // the workloads hold in it (the kernel's proportional distribution of over-committed
  // protection), so resident memory always fits the host. memory.min is never reclaimed: when
  // it alone exceeds the host, the host's OOM killer kills the largest workload until it fits.
  const auto total = static_cast<double>(scenario_.host.memory_bytes);
  double excess = std::max(0.0, wanted_sum - total);
  double unprotected_share = 0, low_share = 0;  // of each band, taken by host reclaim
  if (excess > 0) {
    double low_sum = 0, min_sum = 0;
    for (auto& w : workloads_) {
      if (t0 < w->restart_until_ns) continue;
      const HostHolding h = host_holding(w->wanted_bytes, w->memory_limits);
      low_sum += h.low;
      min_sum += h.min;
    }
    while (min_sum > total) {
      WorkloadState* victim = nullptr;  // the most resident memory, as the kernel's OOM badness
      HostHolding vh;
      for (auto& w : workloads_) {
        if (t0 < w->restart_until_ns) continue;
        const HostHolding h = host_holding(w->wanted_bytes, w->memory_limits);
        if (h.held > 0 &&
            (victim == nullptr || w->memory.current_bytes() > victim->memory.current_bytes() ||
             (w->memory.current_bytes() == victim->memory.current_bytes() && h.held > vh.held))) {
          victim = w.get();
          vh = h;
        }
      }
      victim->memory.oom_kill();
      victim->memory_quiet = false;
      victim->stall = 0;
      kill(*victim, t0);
      excess -= vh.held;
      reclaimable_sum -= vh.unprotected();
      low_sum -= vh.low;
      min_sum -= vh.min;
    }
    excess = std::max(0.0, excess);
    unprotected_share = reclaimable_sum > 0 ? std::min(1.0, excess / reclaimable_sum) : 0;
    const double beyond = std::max(0.0, excess - reclaimable_sum);
    low_share = low_sum > 0 ? std::min(1.0, beyond / low_sum) : 0;
  }
  double used = 0, stalled_need = 0;
  for (auto& w : workloads_) {
    if (t0 < w->restart_until_ns) {
      w->stall = 0;
      continue;
    }
    const double wanted = w->wanted_bytes;
    if (w->memory_quiet && excess == 0 && wanted == w->memory.current_bytes()) {
      // Same need, same limits, no host pressure, and the last step stalled nothing: this step
      // would change nothing either.
      used += wanted;
      continue;
    }
    double taken = 0;
    if (excess > 0) {
      const HostHolding h = host_holding(wanted, w->memory_limits);
      taken = h.unprotected() * unprotected_share + h.low * low_share;
    }
    const MemoryStep m = w->memory.step(dt, wanted, w->memory_limits, taken);
    w->stall = m.stall_fraction;
    w->memory_quiet =
        m.stall_fraction == 0 && !m.oom_killed && taken == 0 && wanted == w->memory.current_bytes();
    if (m.oom_killed) kill(*w, t0);
    used += w->memory.current_bytes();
    if (w->stall > 0) stalled_need += std::max(0.0, wanted - w->memory.current_bytes());
  }
  metrics_.host.memory_capacity_byte_ns += total * dt;
  metrics_.host.memory_used_byte_ns += std::min(used, total) * dt;
  metrics_.host.memory_stranded_byte_ns += std::min(std::max(0.0, total - used), stalled_need) * dt;
}

void SimHost::step_cpu(double dt, const StepTotals& totals) {
  const auto& h = scenario_.host;
  // CPUs no workload may use (isolated SMT siblings) are no capacity.
  const auto capacity = static_cast<double>(usable_cpus_);
  const size_t n = workloads_.size();
  const bool any_idle = totals.any_idle;
  std::vector<double>& cap = cap_;
  std::vector<double>& level = level_;
  // Workloads pinned to the same CPUs first share those CPUs among themselves.
  for (size_t i = 0; any_cpuset_ && i < n; ++i) {
    const auto& wi = *workloads_[i];
    if (wi.cpus.size() >= h.logical_cpus() || level[i] != kInf) continue;
    index_.clear();
    for (size_t j = i; j < n; ++j) {
      if (workloads_[j]->cpus == wi.cpus) index_.push_back(j);
    }
    std::vector<ShareRequest>& group = group_;
    group.clear();
    for (const size_t j : index_) {
      group.push_back({std::min(workloads_[j]->demand, cap[j]),
                       workloads_[j]->idle ? 0.01 : workloads_[j]->weight});
    }
    std::vector<double>& alloc = group_alloc_;
    alloc.assign(group.size(), 0.0);
    bool contended = false;
    const double group_level =
        water_fill_into(wi.cpu_count, group.data(), group.size(), alloc.data(), order_, &contended);
    for (size_t k = 0; k < index_.size(); ++k) {
      cap[index_[k]] = std::min(cap[index_[k]], alloc[k] + (contended ? 0 : kInf));
      level[index_[k]] = contended ? group_level : 1e300;
    }
  }
  // Tier 1: normal workloads by weight; tier 2: cpu.idle workloads get what is left.
  double used = 0;
  double used_by_tier[2] = {0, 0};
  double tier_level[2] = {kInf, kInf};
  bool tier_contended[2] = {false, false};
  if (!any_idle) {
    std::vector<ShareRequest>& reqs = requests_;
    if (any_cpuset_) {  // the cpuset groups lowered some caps
      for (size_t i = 0; i < n; ++i) {
        reqs[i] = {std::min(workloads_[i]->demand, cap[i]), workloads_[i]->weight};
      }
    }
    tier_level[0] = water_fill_into(std::max(0.0, capacity), reqs.data(), n, allocation_.data(),
                                    order_, &tier_contended[0]);
    for (size_t i = 0; i < n; ++i) used += allocation_[i];
    used_by_tier[0] = used;
  } else {
    for (int tier = 0; tier < 2; ++tier) {
      index_.clear();
      for (size_t i = 0; i < n; ++i) {
        if (workloads_[i]->idle == (tier == 1)) index_.push_back(i);
      }
      std::vector<ShareRequest>& reqs = group_;
      reqs.clear();
      for (const size_t i : index_) {
        reqs.push_back({std::min(workloads_[i]->demand, cap[i]), workloads_[i]->weight});
      }
      std::vector<double>& alloc = group_alloc_;
      alloc.assign(reqs.size(), 0.0);
      tier_level[tier] = water_fill_into(std::max(0.0, capacity - used), reqs.data(), reqs.size(),
                                         alloc.data(), order_, &tier_contended[tier]);
      for (size_t k = 0; k < index_.size(); ++k) {
        allocation_[index_[k]] = alloc[k];
        used += alloc[k];
        used_by_tier[tier] += alloc[k];
      }
    }
  }
  // Per-thread share of request-driven workloads and the wait of a waking thread. A waking
  // thread finds an idle CPU unless the other normal workloads' runnable threads (not capped by
  // cpusets: they queue on the CPUs they may use) occupy every CPU.
  const std::vector<double>& runnable_of = runnable_;
  const double runnable = totals.runnable, weight_sum = totals.weight_sum;
  const int running = totals.running;
  const double slice = static_cast<double>(h.sched_slice.count());
  const double smt = smt_speed(used);
  // What a workload's threads may take beyond their allocation when its tier was not
  // contended: what nobody was given; a normal workload also what the cpu.idle ones were (it
  // preempts them).
  const double spare[2] = {std::max(0.0, capacity - used_by_tier[0]),
                           std::max(0.0, capacity - used)};
  const bool llc = any_llc_sensitive_;
  // The speeds follow from the SMT factor and the topology alone: recomputed when either changed.
  const bool speeds = !llc && smt != speeds_smt_;
  speeds_smt_ = llc ? -1 : smt;
  double held_back = 0;
  for (size_t i = 0; i < n; ++i) {
    auto& w = *workloads_[i];
    w.allocation = allocation_[i];
    held_back += std::max(0.0, w.demand - w.allocation);
    if (speeds) w.hw_speed = (1.0 - (1.0 - smt) * (1.0 - w.sibling_free_share)) * w.numa_speed;
    // Thread shares and wakeup waits are read by request-driven workloads only.
    if (!w.request_driven) continue;
    const int tier = w.idle ? 1 : 0;
    const double lvl = std::min(level[i] == 1e300 ? kInf : level[i], tier_level[tier]);
    const auto queue_busy = static_cast<double>(w.queue.busy());
    // The step's arrivals wake threads as it goes: the share is for its mean busy threads had
    // none finished, so that together they run no more than the CPUs they are given.
    const double busy = std::max(1.0, w.busy_bound);
    // Uncontended sharing: its threads may use what it was given and what nobody was given.
    // (A service that asked for less than its threads run, beside neighbours that fill the
    // host exactly, would otherwise run them at full speed on top of a full host.)
    double share = lvl == kInf
                       ? std::min(1.0, (w.allocation + spare[tier]) / std::max(w.busy_bound, 1e-9))
                       : std::min(1.0, lvl * w.weight / busy);
    // More busy threads than CPUs it may use: they take turns on those CPUs, whatever the
    // sharing among workloads left (a demand clamped to its CPUs looks uncontended there).
    share = std::min(share, w.cpu_count / busy);
    if (w.bandwidth.limited()) share = std::min(share, cap[i] / busy);
    w.thread_share = std::max(0.0, share);
    // A waking thread on a busy CPU waits for the running task's slice to end; a cpu.idle
    // task is preempted at once, so only normal competitors count, and with cpusets only the
    // threads that may run on this workload's CPUs.
    w.wakeup_wait_max_ns = 0;
    const double own = runnable_of[i];
    double others = runnable - own;
    double other_weight = weight_sum - (own > 0 ? w.weight : 0);
    int count = running - (own > 0 ? 1 : 0);
    double room = capacity;
    if (any_cpuset_) {
      others = 0;
      other_weight = 0;
      count = 0;
      for (size_t j = 0; j < n; ++j) {
        const auto& o = *workloads_[j];
        const double overlap = overlap_[i * n + j];
        if (j == i || o.idle || overlap == 0) continue;
        const double threads = runnable_of[j] * overlap;
        if (threads <= 0) continue;
        others += threads;
        other_weight += o.weight;
        ++count;
      }
      room = w.cpu_count;
    }
    const double own_busy = w.idle ? 0 : queue_busy;
    if (others > 0 && others + own_busy >= room - 1e-9) {
      if (w.idle) {
        w.wakeup_wait_max_ns = slice;
      } else {
        // A waking task preempts at once only when its weight dwarfs the running one's; an
        // equal competitor keeps the CPU for up to its whole slice.
        const double avg = count > 0 ? other_weight / count : 0;
        if (avg > 0) w.wakeup_wait_max_ns = slice * std::min(1.0, avg / w.weight);
      }
    }
  }
  metrics_.host.cpu_capacity_ns += static_cast<double>(h.logical_cpus()) * dt;
  metrics_.host.cpu_stranded_ns += std::min(std::max(0.0, capacity - used), held_back) * dt;
  if (llc) step_hardware_speed(smt);
}

// Which CPUs anyone may run on, and for each workload the share of its CPUs whose SMT siblings
// nobody may use (a policy isolating a latency-critical tenant on whole cores).
void SimHost::update_topology() {
  const auto& h = scenario_.host;
  const uint32_t n_cpus = h.logical_cpus();
  allowed_count_.assign(n_cpus, 0);
  for (const auto& w : workloads_) {
    for (const uint32_t c : w->cpus) ++allowed_count_[c];
  }
  usable_cpus_ = 0;
  for (const uint32_t count : allowed_count_) usable_cpus_ += count > 0 ? 1 : 0;
  // overlap_[i * n + j]: the share of workload j's CPUs that workload i may use too.
  const size_t n = workloads_.size();
  any_cpuset_ = false;
  overlap_.assign(n * n, 0.0);
  std::vector<char> mine(n_cpus);
  for (size_t i = 0; i < n; ++i) {
    const auto& wi = *workloads_[i];
    any_cpuset_ = any_cpuset_ || wi.cpus.size() < n_cpus;
    std::fill(mine.begin(), mine.end(), 0);
    for (const uint32_t c : wi.cpus) mine[c] = 1;
    for (size_t j = 0; j < n; ++j) {
      const auto& wj = *workloads_[j];
      uint32_t shared = 0;
      for (const uint32_t c : wj.cpus) shared += mine[c] != 0 ? 1 : 0;
      overlap_[i * n + j] =
          wj.cpus.empty() ? 0.0 : static_cast<double>(shared) / static_cast<double>(wj.cpus.size());
    }
  }
  for (auto& w : workloads_) {
    uint32_t free = 0;
    for (const uint32_t c : w->cpus) {
      bool siblings_free = h.smt > 1;
      for (uint32_t k = 0; k < h.smt; ++k) {
        const uint32_t sibling = c % h.cores + k * h.cores;
        if (sibling != c && allowed_count_[sibling] > 0) siblings_free = false;
      }
      free += siblings_free ? 1 : 0;
    }
    w->sibling_free_share =
        w->cpus.empty() ? 0.0 : static_cast<double>(free) / static_cast<double>(w->cpus.size());
  }
  topology_dirty_ = false;
  speeds_smt_ = -1;  // the hardware speeds follow
}

double SimHost::smt_speed(double busy) const {
  const auto& h = scenario_.host;
  const auto cores = static_cast<double>(h.cores);
  double smt = 1.0;
  if (h.smt > 1 && busy > cores) {
    // Busy CPUs beyond the physical cores share a core with a busy sibling.
    const double both_busy = std::min(1.0, (busy - cores) / cores);
    smt = 1.0 - both_busy * (1.0 - (1.0 + h.smt_yield) / 2.0);
  }
  return smt;
}

// Only when some workload is LLC-sensitive; otherwise step_cpu sets the speeds as it goes.
void SimHost::step_hardware_speed(double smt) {
  const auto& h = scenario_.host;
  // LLC: per domain, the share of the running workloads' footprint that does not fit.
  std::vector<double>& footprint = footprint_;
  footprint.assign(h.numa_nodes, 0.0);
  for (const auto& w : workloads_) {
    if (w->allocation > 0) {
      footprint[w->memory_node % h.numa_nodes] +=
          static_cast<double>(w->spec->memory.llc_footprint_bytes);
    }
  }
  const auto llc_bytes = static_cast<double>(h.llc_bytes_per_domain);
  for (double& fp : footprint) fp = fp > llc_bytes ? 1.0 - llc_bytes / fp : 0.0;
  for (auto& w : workloads_) {
    const double sensitivity = w->spec->memory.llc_sensitivity;
    const double own_smt = 1.0 - (1.0 - smt) * (1.0 - w->sibling_free_share);
    if (sensitivity == 0) {
      w->hw_speed = own_smt * w->numa_speed;
    } else {
      const double llc = 1.0 + sensitivity * footprint[w->memory_node % h.numa_nodes];
      w->hw_speed = own_smt * w->numa_speed / llc;
    }
  }
}

void SimHost::step_requests(WorkloadState& w, double t0, double dt) {
  const WorkloadSpec& s = *w.spec;
  const double t1 = t0 + dt;
  // Throttled for the whole step only when no period inside it refills the runtime.
  const bool paused = t0 < w.gc_pause_until_ns || w.cap_cores <= 0;
  const double cpu_speed = w.hw_speed;
  const double thread_share = w.thread_share;
  const double speed = paused ? 0.0 : thread_share * cpu_speed * (1.0 - w.stall);
  w.queue.begin_step(t0, t1, speed);
  const auto& step_arrivals = w.step_arrivals;
  if (w.queue.in_system() == 0 && step_arrivals.empty() && t0 >= w.gc_pause_until_ns) {
    return;  // idle all step: nothing runs, nothing is charged, its threads hold nothing
  }
  const double held_at_start_v = w.held_v;
  ClassMetrics& cm = metrics_.classes[w.class_index];
  // The step's loop-invariant values and running totals live in locals: the compiler cannot
  // keep them in registers across the stores into histograms, and each is written back once.
  const double target = cm.p99_target_ns.value_or(kInf);
  const bool video = s.kind == WorkloadKind::kVideo;
  const bool counts_throughput = w.counts_throughput;
  const double deadline = static_cast<double>(s.video.deadline.count());
  uint64_t done = 0, over_target = 0, frames_missed = 0;
  double units = cm.units_in_window;
  Log2Histogram& request_latency = w.request_latency;
  LatencyRecorder& run_latency = cm.latency;
  LatencyRecorder& window_latency = cm.window;
  auto on_done = [&](const Completion& c) __attribute__((always_inline)) {
    const double latency = c.done_ns - c.arrival_ns + c.extra_ns;
    const auto ns = static_cast<uint64_t>(std::clamp(latency, 0.0, kMaxLatencyNs));
    add_log2(request_latency, ns);
    const int bucket = LatencyRecorder::index_of(ns);
    run_latency.add_at(bucket, ns);
    window_latency.add_at(bucket, ns);
    if (latency > target) ++over_target;
    if (counts_throughput) units += 1;
    if (video && latency > c.tag) ++frames_missed;
    ++done;
  };
  double cpu_used = 0;
  double assigned_v = 0;  // work handed to its threads
  uint64_t arrivals = 0;
  uint64_t failed = 0;  // refused arrivals (a restart, a full backlog)
  const bool restarting = t0 < w.restart_until_ns;
  if (!step_arrivals.empty()) {
    // Requests that finish inside the step are recorded as they arrive, the others at the end
    // of the step they finish in: an arrival never depends on completions (it takes the thread
    // that frees first, in virtual time), and a completion's time depends only on its step's
    // speed.
    const bool metadata = s.kind == WorkloadKind::kMetadata;
    const double ops_per_request = s.io.ops_per_request;
    const double io_latency = std::max(w.io.latency_ns, 1.0);
    // A metadata service's operations wait in the device's queue, which holds at most those of
    // kMaxInSystem requests: an overloaded device bounds the service's throughput and latency.
    const double io_backlog_cap = ops_per_request * static_cast<double>(kMaxInSystem);
    const bool sends = s.net.bytes_per_request > 0;
    const auto bytes_per_request = static_cast<double>(s.net.bytes_per_request);
    const double net_delay = w.net.queue_delay_ns;
    const double wake_max = w.wakeup_wait_max_ns;
    const double stretch_per_cpu_ns = thread_share > 0 ? 1.0 / thread_share - 1.0 : 0;
    const bool gc = s.gc.heap_bytes > 0;
    const auto gc_alloc = static_cast<double>(s.gc.alloc_bytes_per_request);
    const auto gc_heap = static_cast<double>(s.gc.heap_bytes);
    double io_backlog = w.io.backlog_ops;
    double net_offered = w.net.offered_bytes, net_rx = w.net.rx_bytes;
    double runq_total = w.runq_delay_total_ns;
    double heap = w.heap_bytes;
    bool gc_pending = w.gc_pending;
    for (const WorkloadState::Arrival& arrival : step_arrivals) {
      const double a = arrival.at_ns;
      ++arrivals;
      if (restarting) {
        ++failed;
      } else {
        const double work = arrival.work_ns;
        // Drawn even for a refused arrival: later draws do not depend on what was refused.
        const double wake = wake_max > 0 ? w.wakeup_rng.uniform() * wake_max : 0;
        if (w.queue.in_system() >= kMaxInSystem) {
          // Requests done by now leave first; a request still refused was never accepted: it
          // costs no CPU, sends nothing and does no I/O.
          w.queue.complete_until(a, on_done);
          if (w.queue.in_system() >= kMaxInSystem) {
            ++failed;
            continue;
          }
        }
        if (metadata && io_backlog + ops_per_request > io_backlog_cap) {
          ++failed;  // the device's queue is full: refused like an arrival beyond the backlog
          continue;
        }
        double extra = 0;
        if (metadata) {
          extra += ops_per_request * io_latency;
          io_backlog += ops_per_request;
        }
        if (sends) {
          extra += net_delay;
          net_offered += bytes_per_request;
          net_rx += 512;
        }
        if (w.queue.arrive(a, work, wake, extra, deadline, on_done)) {
          const double stretch = thread_share > 0 ? work / cpu_speed * stretch_per_cpu_ns : 0;
          const double delay = wake + stretch;
          add_log2(w.runq_delay, static_cast<uint64_t>(delay));
          runq_total += delay;
        }
        assigned_v += work;
        if (gc) {
          heap += gc_alloc;
          if (heap >= gc_heap) gc_pending = true;
        }
      }
    }
    w.io.backlog_ops = io_backlog;
    w.net.offered_bytes = net_offered;
    w.net.rx_bytes = net_rx;
    w.runq_delay_total_ns = runq_total;
    w.heap_bytes = heap;
    w.work_assigned_v += assigned_v;
    w.gc_pending = gc_pending;
    w.requests_failed += failed;
    cm.requests_failed += failed;
  }
  w.queue.complete_until(t1, on_done);
  // CPU is charged for the work its threads did in the step: what they held at its start and
  // were handed in it, less what they still hold at its end (the next step's estimate reuses
  // that count). A request queued behind busy threads costs no CPU until it runs.
  const double cap_v = dt * cpu_speed;
  double held_v = 0, held_capped_v = 0;
  if (w.queue.in_system() > 0) held_capped_v = w.queue.queued_work(t1, cap_v, &held_v);
  w.held_v = held_v;
  w.held_capped_v = held_capped_v;
  w.held_cap_v = cap_v;
  cpu_used += std::max(0.0, held_at_start_v + assigned_v - held_v) / cpu_speed;
  w.requests_completed += done;
  cm.requests += done;
  cm.requests_over_target += over_target;
  cm.units_in_window = units;
  if (video) {
    // A frame never delivered is a stall too.
    w.frames_total += done + failed;
    cm.frames_total += done + failed;
    w.frames_missed += frames_missed + failed;
    cm.frames_missed += frames_missed + failed;
  }
  metrics_.host.events += arrivals + done;
  // A stop-the-world pause spins its threads on the collector: the CPU they were given.
  if (t0 < w.gc_pause_until_ns) cpu_used += w.allocation * dt;
  const size_t busy = w.queue.busy();
  const bool active = w.queue.in_system() > 0 || arrivals > 0;
  w.bandwidth.charge(t0, dt, cpu_used, active, std::max(1.0, static_cast<double>(busy)));
  w.cpu_usage_ns += cpu_used;
  metrics_.host.cpu_used_ns += cpu_used;
  if (busy > 0 && thread_share < 1) w.psi_cpu_some_ns += dt * (1 - thread_share);
  if (busy > 0 && speed == 0) w.psi_cpu_full_ns += dt;
  const double accesses = cpu_used * w.accesses_per_cpu_ns;
  w.local_accesses += accesses * (1 - w.remote_share);
  w.remote_accesses += accesses * w.remote_share;
  cm.local_accesses += accesses * (1 - w.remote_share);
  cm.remote_accesses += accesses * w.remote_share;
}

// Inline: called once per bulk workload per step, from step() only.
[[gnu::always_inline]] inline void SimHost::step_bulk(WorkloadState& w, double t0, double dt) {
  const WorkloadSpec& s = *w.spec;
  const double used = w.allocation * dt;
  w.bandwidth.charge(t0, dt, used, w.demand > 0, std::min(w.demand, w.cpu_count));
  w.cpu_usage_ns += used;
  metrics_.host.cpu_used_ns += used;
  if (w.demand > w.allocation) {
    const double waiting = 1.0 - w.allocation / w.demand;
    w.psi_cpu_some_ns += dt * waiting;
    if (w.allocation == 0) w.psi_cpu_full_ns += dt;
    // Runnable threads beyond the ones running wait a scheduling slice each time round.
    w.runq_delay_total_ns += (w.demand - w.allocation) * dt;
    const auto waits = static_cast<uint64_t>(
        (w.demand - w.allocation) * dt / static_cast<double>(scenario_.host.sched_slice.count()));
    if (waits > 0) {
      add_log2(w.runq_delay, static_cast<uint64_t>(scenario_.host.sched_slice.count()), waits);
    }
  }
  ClassMetrics& cm = metrics_.classes[w.class_index];
  if ((s.kind == WorkloadKind::kBatch || s.kind == WorkloadKind::kNoisy) && w.counts_throughput) {
    cm.units_in_window += used * w.hw_speed * (1 - w.stall) * 1e-9;  // useful CPU-seconds
  }
  const double accesses = used * w.accesses_per_cpu_ns;
  w.local_accesses += accesses * (1 - w.remote_share);
  w.remote_accesses += accesses * w.remote_share;
  cm.local_accesses += accesses * (1 - w.remote_share);
  cm.remote_accesses += accesses * w.remote_share;
  // Offered bulk I/O and traffic (a noisy neighbour only while bursting).
  const bool sending = (s.kind != WorkloadKind::kNoisy || w.burst_on) && t0 >= w.restart_until_ns;
  if (sending && w.io_ops_per_ns > 0) {
    w.io.backlog_ops = std::min(w.io.backlog_ops + w.io_ops_per_ns * dt, w.io_backlog_cap_ops);
  }
  if (sending && w.net_bytes_per_ns > 0) w.net.offered_bytes += w.net_bytes_per_ns * dt;
}

void SimHost::step_devices(double dt) {
  auto bytes_of = [](const IoQueue& q) {
    return static_cast<double>(q.io.seq_read_bytes + q.io.seq_write_bytes + q.io.rand_read_bytes +
                               q.io.rand_write_bytes);
  };
  std::vector<double>& io_before = io_before_;
  io_before.clear();
  for (const size_t i : io_throughput_) io_before.push_back(bytes_of(workloads_[i]->io));
  io_.step(dt, io_queues_);
  net_.step(dt, net_queues_, workloads_.size());
  for (size_t k = 0; k < io_throughput_.size(); ++k) {
    const auto& w = *workloads_[io_throughput_[k]];
    metrics_.classes[w.class_index].units_in_window += bytes_of(w.io) - io_before[k];
  }
}

void SimHost::step(double t0, double dt) {
  ++metrics_.host.events;
  metrics_.host.elapsed_ns += dt;
  if (topology_dirty_) update_topology();
  // One pass over the workloads for everything that depends only on the workload itself: its
  // phases, what memory it needs, its CPU caps and runnable threads. The sums are taken in
  // workload order, as the separate passes took them.
  const size_t n = workloads_.size();
  allocation_.resize(n);
  cap_.resize(n);
  level_.resize(n);
  requests_.resize(n);
  runnable_.resize(n);
  StepTotals totals;
  for (size_t i = 0; i < n; ++i) {
    WorkloadState& w = *workloads_[i];
    step_phases(w, t0, dt);
    const double wanted = w.working_set_bytes + w.leaked_bytes + w.heap_bytes;
    w.wanted_bytes = wanted;
    // Host memory is pressed by what the workload can hold: not what memory.high keeps out,
    // nothing while it restarts.
    if (t0 >= w.restart_until_ns) {
      const HostHolding held = host_holding(wanted, w.memory_limits);
      totals.wanted_sum += held.held;
      totals.reclaimable_sum += held.unprotected();
    }
    // Caps: cpuset size and CFS bandwidth.
    w.cap_cores = w.bandwidth.cap_cores(dt);
    cap_[i] = std::min(w.cpu_count, w.cap_cores);
    level_[i] = kInf;
    requests_[i] = {std::min(w.demand, cap_[i]), w.weight};
    totals.any_idle = totals.any_idle || w.idle;
    // Runnable threads (not capped by cpusets: they queue on the CPUs they may use).
    const double threads = w.idle ? 0 : std::min(w.demand, w.cap_cores);
    runnable_[i] = threads;
    if (!w.idle) {
      totals.runnable += threads;
      if (threads > 0) {
        totals.weight_sum += w.weight;
        ++totals.running;
      }
    }
  }
  step_memory(t0, dt, totals.wanted_sum, totals.reclaimable_sum);
  step_cpu(dt, totals);  // and the hardware speed that follows from it
  for (auto& w : workloads_) {
    if (w->request_driven) {
      step_requests(*w, t0, dt);
    } else {
      step_bulk(*w, t0, dt);
    }
  }
  step_devices(dt);
}

}  // namespace dwae::sim
