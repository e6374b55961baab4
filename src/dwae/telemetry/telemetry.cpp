// Telemetry facade: opens what can run, reports what cannot (once), drains it all per tick and
// matches the per-cgroup aggregates to workloads by cgroup id in each class's hierarchy.
#include "dwae/telemetry/telemetry.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <set>
#include <utility>

#include "dwae/common/file.h"
#include "dwae/hostfs/parsers.h"
#include "dwae/hostfs/procfs.h"

namespace dwae::telemetry {
namespace {

CgroupAttribution attribution_for(const hostfs::CgroupLayout& layout, hostfs::Controller c,
                                  CgroupAttribution v1) {
  const hostfs::Hierarchy* h = layout.hierarchy(c);
  if (h != nullptr && h->version == hostfs::CgroupVersion::kV1) return v1;
  return CgroupAttribution::kUnified;
}

// The directory whose inode is the workload's id under an attribution mode ("" if none).
const std::string& dir_for(CgroupAttribution a, const hostfs::CgroupDirs& dirs) {
  switch (a) {
    case CgroupAttribution::kV1Cpu:
      return dirs.get(hostfs::Controller::kCpu);
    case CgroupAttribution::kV1Memory:
      return dirs.get(hostfs::Controller::kMemory);
    case CgroupAttribution::kV1Blkio:
      return dirs.get(hostfs::Controller::kIo);
    case CgroupAttribution::kUnified:
      break;
  }
  return dirs.unified.empty() ? dirs.get(hostfs::Controller::kCpu) : dirs.unified;
}

// 0 (never a cgroup's id; the network collector's "no owner") when there is no directory.
CgroupId id_for(CgroupAttribution a, const hostfs::CgroupDirs& dirs) {
  const std::string& dir = dir_for(a, dirs);
  if (dir.empty()) return 0;
  auto id = cgroup_id_of(dir);
  return id ? *id : 0;
}

template <typename Stats>
Stats take(StatsByCgroup<Stats>& all, CgroupId id) {
  if (id == 0) return Stats{};
  const auto it = all.find(id);
  return it == all.end() ? Stats{} : it->second;
}

std::string attribution_detail(CgroupAttribution a) {
  return std::string("attributed in ") + to_string(a) + " hierarchy";
}

}  // namespace

void TelemetryOptions::set_attribution_from(const hostfs::CgroupLayout& layout) {
  using hostfs::Controller;
  sched_attribution = attribution_for(layout, Controller::kCpu, CgroupAttribution::kV1Cpu);
  memory_attribution = attribution_for(layout, Controller::kMemory, CgroupAttribution::kV1Memory);
  block_attribution = attribution_for(layout, Controller::kIo, CgroupAttribution::kV1Blkio);
  // Sockets belong to the workload as the scheduler sees it: its cpu cgroup.
  net_attribution = sched_attribution;
  const hostfs::Hierarchy* v2 = layout.unified();
  cgroup2_mount = v2 != nullptr ? v2->mount_point : "";
}

void accumulate_bpf(const WorkloadTelemetry& delta, WorkloadSample& totals) {
  const auto merge = [](Log2Histogram& into, const Log2Histogram& from) {
    for (size_t i = 0; i < Log2Histogram::kBuckets; ++i) into.buckets[i] += from.buckets[i];
  };
  merge(totals.runq_delay_ns, delta.sched.run_queue_latency);
  totals.runq_delay_total_ns += delta.sched.run_delay_ns;
  totals.has_runq_delay = true;
  totals.reclaim_stall_ns += delta.memory.reclaim_stall_ns;
  merge(totals.io_latency_ns, delta.block.latency);
  const BlockStats::Direction& r = delta.block.read;
  const BlockStats::Direction& w = delta.block.write;
  totals.io.seq_read_bytes += r.sequential_bytes;
  totals.io.seq_write_bytes += w.sequential_bytes;
  totals.io.rand_read_bytes += r.random_bytes();
  totals.io.rand_write_bytes += w.random_bytes();
  totals.io.seq_read_ios += r.sequential_ios;
  totals.io.seq_write_ios += w.sequential_ios;
  totals.io.rand_read_ios += r.random_ios();
  totals.io.rand_write_ios += w.random_ios();
  totals.io.metadata_ios += delta.block.metadata_ios;
  totals.net_rx_bytes += delta.net.rx_bytes;
  totals.net_tx_bytes += delta.net.tx_bytes;
  totals.net_retransmits += delta.net.tcp_retransmits;
  totals.net_drops += delta.net.rx_queue_drops;
}

const SourceStatus* TelemetryStatus::find(const std::string& name) const {
  for (const SourceStatus& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

struct Telemetry::State {
  struct Tracked {
    WorkloadCgroups cgroups;
    CgroupId sched_id = 0, memory_id = 0, block_id = 0, net_id = 0;
    std::optional<hostfs::CgroupHandle> handle;
    std::optional<hostfs::CgroupStats> last_files;  // the last read, carried between full reads
    uint32_t drains_since_full = 0;
    bool full_next = false;   // read_all_next() asked for every file at the next drain
    std::string threads_dir;  // whose thread list gives the task schedstat sum
  };
  static std::string read_files(const hostfs::CgroupReader& reader, uint32_t full_every,
                                Tracked& t);

  State(const hostfs::CgroupLayout& l, TelemetryOptions o, hostfs::HostPaths p)
      : layout(l), options(std::move(o)), procfs(std::move(p)), reader(layout) {
    for (const char* resource : {"cpu", "memory", "io"}) {
      system_pressure.emplace_back(procfs.paths().proc + "/pressure/" + resource);
    }
    // The order status() lists them in.
    for (const char* name :
         {"bpf:sched", "bpf:memory", "bpf:block", "bpf:net", "bpf:lifecycle", "bpf:raw",
          "files:cgroup", "files:psi", "files:task-schedstat", "files:cpu-schedstat"}) {
      status.sources.push_back(SourceStatus{name, false, ""});
    }
  }

  hostfs::CgroupLayout layout;
  TelemetryOptions options;
  hostfs::ProcFs procfs;
  hostfs::CgroupReader reader;            // points at `layout`; State never moves
  std::vector<KeptFile> system_pressure;  // /proc/pressure/{cpu,memory,io}, kept open
  // The stream outlives the collectors that write to it.
  std::optional<RawEventStream> raw;
  std::optional<SchedCollector> sched;
  std::optional<MemoryCollector> memory;
  std::optional<BlockCollector> block;
  std::optional<NetCollector> net;
  std::optional<LifecycleCollector> lifecycle;
  TelemetryStatus status;
  std::vector<Tracked> workloads;
  std::set<std::string> logged;

  void log_once(const std::string& message) {
    if (!logged.insert(message).second) return;
    if (options.log) {
      options.log(message);
    } else {
      std::cerr << message << "\n";
    }
  }

  SourceStatus& source(const std::string& name) {
    for (SourceStatus& s : status.sources) {
      if (s.name == name) return s;
    }
    status.sources.push_back(SourceStatus{name, false, ""});
    return status.sources.back();
  }

  // Marks a source off after a failure and says so once.
  void source_failed(const std::string& name, const std::string& why) {
    SourceStatus& s = source(name);
    s.active = false;
    s.detail = why;
    log_once("telemetry: " + name + " stopped: " + why);
  }

  void open_bpf();
  void open_files();
  void update_bpf_summary();
};

void Telemetry::State::open_bpf() {
  static const char* const kNames[] = {"bpf:sched", "bpf:memory", "bpf:block", "bpf:net",
                                       "bpf:lifecycle"};
  std::string why_off;
  struct stat st {};
  if (!options.bpf_enabled) {
    why_off = "disabled by option";
  } else if (::stat(options.kernel_btf_path.c_str(), &st) != 0) {
    why_off = "no kernel BTF at " + options.kernel_btf_path +
              " (kernel built without CONFIG_DEBUG_INFO_BTF, or too old)";
  }
  if (!why_off.empty()) {
    for (const char* name : kNames) source(name) = SourceStatus{name, false, why_off};
    source("bpf:raw") = SourceStatus{"bpf:raw", false, why_off};
    return;
  }

  const RawEventStream* raw_stream = nullptr;
  if (options.raw_events) {
    auto stream = RawEventStream::create(options.raw_ring_bytes, options.raw_sample_every);
    if (stream) {
      raw = std::move(stream).value();
      raw_stream = &*raw;
      source("bpf:raw") =
          SourceStatus{"bpf:raw", true,
                       "1 in " + std::to_string(options.raw_sample_every) + " events, ring of " +
                           std::to_string(options.raw_ring_bytes) + " bytes"};
    } else {
      source("bpf:raw") = SourceStatus{"bpf:raw", false, stream.error().message};
    }
  } else {
    source("bpf:raw") = SourceStatus{"bpf:raw", false, "off (opt-in)"};
  }

  const auto collector_options = [&](CgroupAttribution a) {
    return CollectorOptions{a, options.kernel_btf_path, raw_stream};
  };
  const auto missing_note = [](const std::vector<std::string>& missing) {
    std::string note;
    for (const std::string& m : missing) note += (note.empty() ? "; kernel lacks " : ", ") + m;
    return note;
  };
  // Without permission no collector will load: the first refusal is the reason for all, and
  // the rest are not tried (libbpf would print the same failure for each).
  std::string refused;
  const auto opened = [&](const char* name, auto& slot, auto result, CgroupAttribution a,
                          std::string extra) {
    if (result) {
      slot = std::move(result).value();
      source(name) = SourceStatus{name, true, attribution_detail(a) + std::move(extra)};
      return;
    }
    const int err = result.error().errno_value;
    if (err == EPERM || err == EACCES) refused = result.error().message;
    source(name) = SourceStatus{name, false, result.error().message};
  };

  SchedCollector::Options sched_options;
  sched_options.attribution = options.sched_attribution;
  sched_options.kernel_btf_path = options.kernel_btf_path;
  sched_options.credit_running_tasks = options.credit_running_tasks;
  sched_options.raw = raw_stream;
  opened("bpf:sched", sched, SchedCollector::create(sched_options), options.sched_attribution, "");

  if (!refused.empty()) {
    for (const char* name : {"bpf:memory", "bpf:block", "bpf:net", "bpf:lifecycle"}) {
      source(name) = SourceStatus{name, false, refused};
    }
    return;
  }
  auto mem = MemoryCollector::create(collector_options(options.memory_attribution));
  const std::string mem_note = mem ? missing_note(mem->missing_events()) : "";
  opened("bpf:memory", memory, std::move(mem), options.memory_attribution, mem_note);

  auto blk = BlockCollector::create(collector_options(options.block_attribution));
  const std::string blk_note = blk ? missing_note(blk->missing_events()) : "";
  opened("bpf:block", block, std::move(blk), options.block_attribution,
         "; requests charged to their bio's blkcg" + blk_note);

  auto n = NetCollector::create(collector_options(options.net_attribution), options.cgroup2_mount);
  std::string net_note = n ? missing_note(n->missing_events()) : "";
  if (n && !n->socket_ingress_problem().empty()) {
    net_note += "; no per-workload receive: " + n->socket_ingress_problem();
  }
  opened("bpf:net", net, std::move(n), options.net_attribution,
         "; charged to the socket's owner" + net_note);

  auto life = LifecycleCollector::create(collector_options(options.sched_attribution));
  const std::string life_note = life ? missing_note(life->missing_events()) : "";
  opened("bpf:lifecycle", lifecycle, std::move(life), options.sched_attribution, life_note);
}

void Telemetry::State::open_files() {
  source("files:cgroup") = options.read_cgroup_files
                               ? SourceStatus{"files:cgroup", true,
                                              std::string("cgroup cpu/memory/io statistics (") +
                                                  hostfs::to_string(layout.kind) + " layout)"}
                               : SourceStatus{"files:cgroup", false, "off by option"};
  if (layout.psi_system || layout.psi_per_cgroup) {
    source("files:psi") = SourceStatus{
        "files:psi", true,
        std::string(layout.psi_system ? "host /proc/pressure" : "") +
            (layout.psi_per_cgroup ? "; per cgroup from the v2 mount" : "; not per cgroup")};
  } else {
    source("files:psi") =
        SourceStatus{"files:psi", false, "no PSI (kernel without CONFIG_PSI, or psi=0)"};
  }
  if (!options.read_task_schedstat) {
    source("files:task-schedstat") = SourceStatus{"files:task-schedstat", false, "off by option"};
  } else if (auto self = procfs.schedstat(static_cast<int32_t>(::getpid())); self) {
    source("files:task-schedstat") =
        SourceStatus{"files:task-schedstat", true,
                     "run delay summed over each workload's threads, while bpf:sched is off"};
  } else {
    source("files:task-schedstat") =
        SourceStatus{"files:task-schedstat", false, self.error().message};
  }
  if (auto cpus = procfs.system_schedstat(); cpus) {
    source("files:cpu-schedstat") =
        SourceStatus{"files:cpu-schedstat", true, "per-CPU run and wait time"};
  } else {
    source("files:cpu-schedstat") = SourceStatus{
        "files:cpu-schedstat", false, cpus.error().message + " (kernel without CONFIG_SCHEDSTATS)"};
  }
}

void Telemetry::State::update_bpf_summary() {
  std::string problem;
  bool any = false;
  for (const SourceStatus& s : status.sources) {
    if (s.name.rfind("bpf:", 0) != 0 || s.name == "bpf:raw") continue;
    if (s.active) {
      any = true;
    } else if (problem.find(s.detail) == std::string::npos) {
      problem += (problem.empty() ? "" : "; ") + s.name + ": " + s.detail;
    }
  }
  status.bpf_active = any;
  status.bpf_problem = problem;
}

Telemetry::Telemetry(std::unique_ptr<State> state) : state_(std::move(state)) {}
Telemetry::Telemetry(Telemetry&&) noexcept = default;
Telemetry& Telemetry::operator=(Telemetry&&) noexcept = default;
Telemetry::~Telemetry() = default;

Telemetry Telemetry::open(const hostfs::CgroupLayout& layout, TelemetryOptions options,
                          hostfs::HostPaths paths) {
  auto state = std::make_unique<State>(layout, std::move(options), std::move(paths));
  state->open_bpf();
  state->open_files();
  state->update_bpf_summary();
  if (!state->status.bpf_active) {
    state->log_once("telemetry: eBPF off (" + state->status.bpf_problem +
                    "); running on cgroup files, PSI and schedstat alone");
  } else if (!state->status.bpf_problem.empty()) {
    state->log_once("telemetry: eBPF partly off: " + state->status.bpf_problem);
  }
  return Telemetry(std::move(state));
}

// Reads a workload's statistics files into t.last_files: all of them on the first read and
// every full_every-th, else only the per-tick set over the last values. Returns why it could
// not (the cgroup vanished, a file did not parse), or "".
std::string Telemetry::State::read_files(const hostfs::CgroupReader& reader, uint32_t full_every,
                                         Tracked& t) {
  if (!t.last_files || t.full_next || ++t.drains_since_full >= std::max<uint32_t>(full_every, 1)) {
    t.full_next = false;
    auto stats = reader.read_stats(*t.handle);
    if (!stats) {
      t.last_files.reset();
      return stats.error().message;
    }
    t.last_files = std::move(stats).value();
    t.drains_since_full = 0;
    return "";
  }
  if (auto s = reader.refresh_tick_stats(*t.handle, *t.last_files); !s) {
    t.last_files.reset();
    return s.error().message;
  }
  return "";
}

const TelemetryStatus& Telemetry::status() const {
  return state_->status;
}

std::optional<CgroupTreeChanges> Telemetry::tree_changes() const {
  if (!state_->lifecycle) return std::nullopt;
  return state_->lifecycle->tree_changes();
}

void Telemetry::read_all_next(size_t index) {
  if (index < state_->workloads.size()) state_->workloads[index].full_next = true;
}

void Telemetry::set_workloads(const std::vector<WorkloadCgroups>& workloads) {
  State& s = *state_;
  const TelemetryOptions& o = s.options;
  s.workloads.clear();
  s.workloads.reserve(workloads.size());
  for (const WorkloadCgroups& w : workloads) {
    State::Tracked t;
    t.cgroups = w;
    t.sched_id = id_for(o.sched_attribution, w.dirs);
    t.memory_id = id_for(o.memory_attribution, w.dirs);
    t.block_id = id_for(o.block_attribution, w.dirs);
    t.net_id = id_for(o.net_attribution, w.dirs);
    t.threads_dir = dir_for(o.sched_attribution, w.dirs);
    if (o.read_cgroup_files) t.handle.emplace(w.dirs, true);
    s.workloads.push_back(std::move(t));
  }
}

Result<TelemetrySample> Telemetry::drain() {
  State& s = *state_;
  TelemetrySample out;

  const auto drain_one = [&](const char* name, auto& collector, auto& into) {
    if (!collector) return;
    auto r = collector->drain();
    if (r) {
      into = std::move(r).value();
    } else {
      s.source_failed(name, r.error().message);
      collector.reset();
      s.update_bpf_summary();
    }
  };
  drain_one("bpf:sched", s.sched, out.sched);
  drain_one("bpf:memory", s.memory, out.memory);
  drain_one("bpf:block", s.block, out.block);
  drain_one("bpf:net", s.net, out.net);
  drain_one("bpf:lifecycle", s.lifecycle, out.lifecycle);
  if (s.raw) {
    auto n = s.raw->consume(out.raw_events);
    auto c = s.raw->counters();
    if (n && c) {
      out.raw_counters = *c;
    } else {
      s.source_failed("bpf:raw", n ? c.error().message : n.error().message);
    }
  }

  if (s.source("files:psi").active && s.layout.psi_system) {
    std::optional<hostfs::Pressure>* into[] = {&out.cpu_pressure, &out.memory_pressure,
                                               &out.io_pressure};
    for (size_t i = 0; i < s.system_pressure.size(); ++i) {
      auto text = s.system_pressure[i].read();
      if (!text) continue;
      if (auto p = hostfs::parse_pressure(*text); p) *into[i] = *p;
    }
  }
  if (s.source("files:cpu-schedstat").active) {
    if (auto cpus = s.procfs.system_schedstat(); cpus) {
      out.cpu_schedstat = std::move(cpus).value();
    } else {
      s.source_failed("files:cpu-schedstat", cpus.error().message);
    }
  }

  const bool task_schedstat = s.source("files:task-schedstat").active;
  out.workloads.reserve(s.workloads.size());
  for (State::Tracked& t : s.workloads) {
    WorkloadTelemetry w;
    w.name = t.cgroups.name;
    w.sched = t.sched_id == 0 ? SchedStats{} : take(out.sched, t.sched_id);
    w.sched_attributed = t.sched_id != 0;
    w.memory = take(out.memory, t.memory_id);
    w.block = take(out.block, t.block_id);
    w.net = take(out.net, t.net_id);
    w.lifecycle = take(out.lifecycle, t.sched_id);
    if (t.handle) {
      if (auto error = State::read_files(s.reader, s.options.full_stats_every, t); error.empty()) {
        w.files = t.last_files;
      } else {
        w.file_error = std::move(error);
      }
    }
    if (task_schedstat && !s.sched && !t.threads_dir.empty()) {
      auto tids = hostfs::read_cgroup_pids(t.threads_dir, true);
      if (tids) {
        uint64_t sum = 0;
        for (const int32_t tid : *tids) {
          // A thread that exits between the listing and the read is simply not counted.
          if (auto st = s.procfs.schedstat(tid, tid); st) sum += st->run_delay_ns;
        }
        w.task_run_delay_ns = sum;
      } else if (w.file_error.empty()) {
        w.file_error = tids.error().message;
      }
    }
    out.workloads.push_back(std::move(w));
  }

  bool any_active = false;
  for (const SourceStatus& src : s.status.sources) any_active = any_active || src.active;
  if (!any_active) return Error{"telemetry: no source is active", 0};
  return out;
}

}  // namespace dwae::telemetry
