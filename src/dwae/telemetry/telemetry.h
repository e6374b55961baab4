// Telemetry: the one object the agent loop drains once per tick. It runs every eBPF collector
// that loads (scheduling, memory, block I/O, network, lifecycle; raw events on request), each
// attributed in the hierarchy of the controller that governs its resource, and the file-based
// sources (cgroup statistics files with PSI, per-task and per-CPU schedstat) beside or instead
// of them. When BPF cannot run (disabled by option, no BTF, no permission, an old kernel) it
// says why once, through the log sink and status(), and the file sources still produce
// per-workload numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/host.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/reader.h"
#include "dwae/telemetry/collectors.h"
#include "dwae/telemetry/sched_collector.h"

namespace dwae::telemetry {

struct TelemetryOptions {
  bool bpf_enabled = true;
  std::string kernel_btf_path = "/sys/kernel/btf/vmlinux";
  // The hierarchy each class is charged in (set_attribution_from() fills them from a layout).
  CgroupAttribution sched_attribution = CgroupAttribution::kUnified;  // also lifecycle
  CgroupAttribution memory_attribution = CgroupAttribution::kUnified;
  CgroupAttribution block_attribution = CgroupAttribution::kUnified;
  CgroupAttribution net_attribution = CgroupAttribution::kUnified;
  std::string cgroup2_mount;         // per-socket receive hook; empty: none
  bool credit_running_tasks = true;  // SchedCollector::Options::credit_running_tasks
  // Raw-event mode (opt-in): one in raw_sample_every events through a ring of raw_ring_bytes.
  bool raw_events = false;
  uint32_t raw_sample_every = 64;
  size_t raw_ring_bytes = size_t{8} << 20;
  // File sources (cumulative counters). Every drain refreshes CPU usage and throttling,
  // memory in use and PSI; every full_stats_every-th drain (and the first after
  // set_workloads) reads all the statistics, and the drains between carry the rest forward.
  bool read_cgroup_files = true;   // cgroup cpu/memory/io statistics and PSI
  uint32_t full_stats_every = 25;  // 5 s at 200 ms; 1 reads everything on every drain
  // Run delay summed over the workload's threads: read only while the eBPF scheduling
  // collector does not run (it measures the same delay, for every wakeup, at lower cost).
  bool read_task_schedstat = true;
  // Where problems are reported, once each. Default: standard error.
  std::function<void(const std::string&)> log;

  // Fills the attribution fields and cgroup2_mount from a detected layout: a class goes to the
  // v1 hierarchy of its controller where that controller is on v1 (cpu for scheduling,
  // lifecycle and network, memory, blkio), else to v2.
  void set_attribution_from(const hostfs::CgroupLayout& layout);
};

// One source of telemetry and whether it runs.
struct SourceStatus {
  std::string name;  // bpf:sched, bpf:memory, bpf:block, bpf:net, bpf:lifecycle, bpf:raw,
                     // files:cgroup, files:psi, files:task-schedstat, files:cpu-schedstat
  bool active = false;
  std::string detail;  // active: attribution and caveats; inactive: why
};

struct TelemetryStatus {
  bool bpf_active = false;  // at least one eBPF collector runs
  std::string bpf_problem;  // why eBPF is off or partly off ("" when all of it runs)
  std::vector<SourceStatus> sources;
  const SourceStatus* find(const std::string& name) const;
};

// A workload as the agent knows it: a name and its directory per controller (discovery).
struct WorkloadCgroups {
  std::string name;
  hostfs::CgroupDirs dirs;
};

struct WorkloadTelemetry {
  std::string name;
  // eBPF, since the previous drain; all zero when that collector is not active.
  SchedStats sched;
  // Whether the workload has a directory in the scheduling collector's hierarchy, so that
  // `sched` is its run-queue delay rather than zero for want of a cgroup to count.
  bool sched_attributed = false;
  MemoryStats memory;
  BlockStats block;
  NetStats net;
  LifecycleStats lifecycle;
  // Files, cumulative as the kernel keeps them; empty when not read or unreadable. Fields
  // outside the per-drain set are as of the last full read (TelemetryOptions).
  std::optional<hostfs::CgroupStats> files;
  // Run-queue delay summed over the threads in the workload now (/proc/<tid>/schedstat).
  std::optional<uint64_t> task_run_delay_ns;
  std::string file_error;  // why files/task_run_delay_ns are empty, if they should not be
};

struct TelemetrySample {
  std::vector<WorkloadTelemetry> workloads;  // in set_workloads() order
  // Everything eBPF saw, by cgroup id in each class's hierarchy, workloads or not.
  SchedStatsByCgroup sched;
  StatsByCgroup<MemoryStats> memory;
  StatsByCgroup<BlockStats> block;
  StatsByCgroup<NetStats> net;
  StatsByCgroup<LifecycleStats> lifecycle;
  // Host-wide files.
  std::optional<hostfs::Pressure> cpu_pressure, memory_pressure, io_pressure;
  std::vector<hostfs::CpuSchedstat> cpu_schedstat;  // empty where /proc/schedstat is absent
  // Raw-event mode: the events that arrived since the previous drain, and the counters.
  std::vector<RawEvent> raw_events;
  RawEventCounters raw_counters;
};

// Adds one drain's eBPF deltas of a workload to the cumulative eBPF fields of a HostSample's
// WorkloadSample: run-queue delay (histogram, total, has_runq_delay), reclaim stall, I/O
// latency histogram and pattern split, network bytes, retransmits and receive-queue drops —
// what only eBPF sees. Fields the files give (cpu usage, memory, faults, OOM kills, PSI) are
// left alone.
void accumulate_bpf(const WorkloadTelemetry& delta, WorkloadSample& totals);

// What the agent loop needs from telemetry: Telemetry is the real one, FakeTelemetry
// (fake_telemetry.h) a scripted one for tests of the loop.
class TelemetrySource {
 public:
  virtual ~TelemetrySource() = default;
  virtual void set_workloads(const std::vector<WorkloadCgroups>& workloads) = 0;
  virtual Result<TelemetrySample> drain() = 0;
  virtual const TelemetryStatus& status() const = 0;
};

class Telemetry final : public TelemetrySource {
 public:
  // Never fails: whatever cannot run is reported by status() (and logged once) and the rest
  // runs. layout is copied.
  static Telemetry open(const hostfs::CgroupLayout& layout, TelemetryOptions options,
                        hostfs::HostPaths paths = {});

  Telemetry(Telemetry&&) noexcept;
  Telemetry& operator=(Telemetry&&) noexcept;
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;
  ~Telemetry() override;

  // The workloads to report on (after each discovery). Resolves each one's cgroup id in every
  // class's hierarchy and opens its statistics files.
  void set_workloads(const std::vector<WorkloadCgroups>& workloads) override;

  // Drains every active source. A source that fails is switched off, logged once and shown in
  // status(); the drain goes on with the others. Fails only if nothing could be read.
  Result<TelemetrySample> drain() override;

  const TelemetryStatus& status() const override;

  // Changes to the cgroup trees since open, counted by the lifecycle collector's programs (no
  // system call). nullopt while that collector does not run or the kernel lacks the cgroup
  // tracepoints: then only a periodic discovery finds new cgroups.
  std::optional<CgroupTreeChanges> tree_changes() const;

  // The next drain reads every statistics file of workload `index` (set_workloads order), not
  // only the per-tick set: after a setting changed that makes a skipped file matter (a CPU
  // quota makes cpu.stat's throttling counters move).
  void read_all_next(size_t index);

 private:
  struct State;
  explicit Telemetry(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace dwae::telemetry
