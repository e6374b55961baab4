// SchedCollector: the eBPF scheduling collector (bpf/sched.bpf.c). Per cgroup it reports the
// run-queue delay histogram ("CPU Ready Time"), on-CPU time, context switches, wakeups and
// migrations accumulated in the kernel since the previous drain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/histogram.h"

struct sched_bpf;  // generated skeleton (sched.skel.h), private to the implementation

namespace dwae::telemetry {

// Kernel cgroup id: the inode number of the cgroup's directory in the hierarchy it was taken
// from (v2 mount, or the v1 cpu mount; see CgroupAttribution).
using CgroupId = uint64_t;

// Which hierarchy tasks are attributed in. On hybrid hosts (controllers on v1) the v2 id says
// nothing about the cgroup whose settings are written, so use the v1 hierarchy of the
// controller that governs the resource there (cpu for scheduling, memory, blkio).
enum class CgroupAttribution {
  kUnified,   // task's v2 cgroup (what bpf_get_current_cgroup_id() returns)
  kV1Cpu,     // task's cgroup in the v1 cpu controller hierarchy
  kV1Memory,  // ... in the v1 memory hierarchy
  kV1Blkio,   // ... in the v1 blkio hierarchy
};
const char* to_string(CgroupAttribution a);  // unified, v1-cpu, v1-memory, v1-blkio

class RawEventStream;

// What the kernel saw for one cgroup between two drains.
struct SchedStats {
  uint64_t wakeups = 0;               // sched_wakeup + sched_wakeup_new
  uint64_t run_delay_ns = 0;          // sum of run-queue waits that ended in the interval
  uint64_t on_cpu_ns = 0;             // time on CPU
  uint64_t switches = 0;              // context switches away from the cgroup's tasks
  uint64_t involuntary_switches = 0;  // ... while still runnable (preempted)
  uint64_t migrations = 0;            // sched_migrate_task
  // Each wait from becoming runnable (woken, or preempted) to running again, in ns.
  Log2Histogram run_queue_latency;

  uint64_t run_delay_count() const { return run_queue_latency.total(); }
};

using SchedStatsByCgroup = std::unordered_map<CgroupId, SchedStats>;

class SchedCollector {
 public:
  struct Options {
    CgroupAttribution attribution = CgroupAttribution::kUnified;
    // Kernel BTF used for CO-RE relocation (a BTFHub file works on kernels without
    // /sys/kernel/btf/vmlinux).
    std::string kernel_btf_path = "/sys/kernel/btf/vmlinux";
    // Credit the on-CPU time of tasks running at drain time (one IPI per CPU per drain);
    // without it a task is credited only when switched out.
    bool credit_running_tasks = true;
    // Opt-in raw-event mode: sampled switch-out and run-delay events go to this stream.
    const RawEventStream* raw = nullptr;
  };

  // Opens, loads and attaches the programs. Fails with a reason when the kernel has no BTF,
  // the process lacks CAP_BPF/CAP_PERFMON (or CAP_SYS_ADMIN), or the verifier refuses.
  static Result<SchedCollector> create(const Options& options);

  SchedCollector(SchedCollector&& other) noexcept;
  SchedCollector& operator=(SchedCollector&& other) noexcept;
  SchedCollector(const SchedCollector&) = delete;
  SchedCollector& operator=(const SchedCollector&) = delete;
  ~SchedCollector();

  // What every cgroup did since the previous drain, the per-CPU copies summed; nothing is lost
  // or counted twice between two drains. The programs write one half of a double-buffered
  // per-CPU array (cgroups with a slot) and an overflow hash (cgroups without one yet): the
  // drain switches halves, runs a program on every CPU (which waits out writers of the old
  // half and credits the running task's on-CPU time), reads and zeroes the old half, and
  // reads-and-deletes the hash in one step (batch lookup-and-delete). Cgroups found in the hash
  // get a slot for the next interval, while slots last.
  Result<SchedStatsByCgroup> drain();

  CgroupAttribution attribution() const { return attribution_; }
  // Cgroups with a slot of their own (the fast path), out of DWAE_SCHED_SLOTS - 1.
  size_t cgroups_with_slot() const { return slot_cgroups_.size() - 1; }

 private:
  SchedCollector(sched_bpf* skel, CgroupAttribution attribution, int cpus);
  Status switch_halves();
  Status drain_slots(uint32_t half, SchedStatsByCgroup& out);
  void give_slot(CgroupId id);

  sched_bpf* skel_ = nullptr;
  CgroupAttribution attribution_ = CgroupAttribution::kUnified;
  int possible_cpus_ = 0;
  // Slot -> cgroup id (slot 0: none) and the reverse, as handed to the kernel.
  std::vector<CgroupId> slot_cgroups_{0};
  std::unordered_map<CgroupId, uint32_t> slot_of_;
  std::vector<bool> table_taken_;       // entries of the kernel's direct-mapped id -> slot table
  std::vector<std::byte> slot_values_;  // drain buffers, kept between drains
  std::vector<uint32_t> slot_keys_;
};

// The cgroup id of a cgroup directory (its inode number), to match drained ids with
// discovered workloads.
Result<CgroupId> cgroup_id_of(const std::string& cgroup_dir);

}  // namespace dwae::telemetry
