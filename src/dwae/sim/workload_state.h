// The simulator's state for one workload: what is applied to it, and the state of each model
// (CPU bandwidth, service queue, memory, I/O, network) with its cumulative counters.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "dwae/host/histogram.h"
#include "dwae/host/host.h"
#include "dwae/sim/arrivals.h"
#include "dwae/sim/cfs_bandwidth.h"
#include "dwae/sim/io_model.h"
#include "dwae/sim/memory_model.h"
#include "dwae/sim/net_model.h"
#include "dwae/sim/rng.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/service_queue.h"

namespace dwae::sim {

struct WorkloadState {
  // `seed`: the scenario's; the workload's random streams are derived from it and its name.
  WorkloadState(const WorkloadSpec& s, size_t class_idx, uint64_t seed)
      : spec(&s),
        class_index(class_idx),
        arrival_rng(seed, s.name + "/arrivals"),
        work_rng(seed, s.name + "/work"),
        phase_rng(seed, s.name + "/phases"),
        wakeup_rng(seed, s.name + "/wakeups"),
        arrivals(s.arrivals),
        queue(s.threads) {}

  // Fields read every step come first and the large cumulative histograms last, so that a step
  // over all workloads touches few cache lines.
  const WorkloadSpec* spec;
  size_t class_index;
  bool request_driven = false;    // service, managed, metadata, video
  bool counts_throughput = true;  // its unit is its class's throughput unit

  // Derived from the applied settings (derive()).
  double weight = 100;
  bool idle = false;
  uint32_t memory_node = 0;
  double remote_share = 0;        // share of CPU time spent away from the memory's node
  double sibling_free_share = 0;  // share of its CPUs whose SMT siblings nobody may use
  double numa_speed = 1;          // work speed from remote memory accesses alone
  double cpu_count = 0;           // cpus.size()
  MemoryLimits memory_limits;
  double working_set_bytes = 0;  // the spec's, converted once

  // Per-nanosecond rates from the spec, computed once (the step multiplies rather than divides).
  double accesses_per_cpu_ns = 0;  // memory accesses per ns of CPU time (memory_bound / local)
  double leak_bytes_per_ns = 0;
  double io_ops_per_ns = 0;       // offered bulk I/O
  double io_backlog_cap_ops = 0;  // the most it keeps queued (kMaxBacklogSeconds)
  double net_bytes_per_ns = 0;    // offered bulk traffic
  bool bursts = false;            // on/off phases (batch and noisy)
  bool memory_quiet = false;      // the memory model's last step changed nothing; see step_memory

  // Per step.
  double demand = 0, allocation = 0, thread_share = 1, hw_speed = 1, stall = 0;
  double cap_cores = 0;     // CFS bandwidth cap for the step, in cores
  double wanted_bytes = 0;  // memory the workload needs this step
  double wakeup_wait_max_ns = 0;
  double busy_bound = 0;  // mean busy threads over the step had none finished (step_phases)
  // A request-driven workload's CPU request (step_phases): `cpu_estimate_ns` is what its
  // threads would run in the step at full speed, `cpu_asked_ns` what it asked for (the
  // estimate corrected by what the last step's estimate missed, within 0..threads x step).
  // What its threads really did in a step follows from the work handed to them
  // (`work_assigned_v`, cumulative) and the work they hold at each step's start.
  double cpu_estimate_ns = 0, cpu_asked_ns = 0, cpu_unclamped_ns = 0;
  double work_assigned_v = 0, work_assigned_at_step_v = 0, work_remaining_at_step_v = 0;
  bool cpu_account_open = false;  // the last step asked by estimate (no pause, no restart)
  // The work (virtual ns) its threads hold at the current step's start, counted at the last
  // step's end, and the same capped per thread at `held_cap_v` (what queued_work returns).
  double held_v = 0, held_capped_v = 0, held_cap_v = -1;

  // Models.
  // One stream per use, so that what a policy changes (whether a wakeup waits, whether a
  // request is refused during a restart) does not shift the arrivals, work sizes or bursts
  // drawn later: policies are compared on the same traffic.
  Rng arrival_rng, work_rng, phase_rng, wakeup_rng;
  CfsBandwidth bandwidth;
  ArrivalProcess arrivals;
  double next_arrival_ns = -1;
  // The step's arrivals, drawn before the CPU is shared: their work bounds what the workload
  // asks for. Kept from step to step (no allocation per step).
  struct Arrival {
    double at_ns, work_ns;
  };
  std::vector<Arrival> step_arrivals;
  Rng::LognormalParams work_lognormal;
  ServiceQueue queue;
  MemoryModel memory;
  IoQueue io;
  NetQueue net;

  // Phases.
  bool burst_on = true;
  double burst_phase_end_ns = -1;
  double heap_bytes = 0;
  double gc_pause_until_ns = 0;
  bool gc_pending = false;
  double leaked_bytes = 0;
  double restart_until_ns = 0;  // after an OOM kill

  // Cumulative counters.
  double cpu_usage_ns = 0;
  double runq_delay_total_ns = 0;
  double psi_cpu_some_ns = 0, psi_cpu_full_ns = 0;
  double local_accesses = 0, remote_accesses = 0;
  uint64_t requests_completed = 0, requests_failed = 0;
  uint64_t frames_total = 0, frames_missed = 0;
  Log2Histogram runq_delay;
  Log2Histogram request_latency;

  // Applied settings (what a read-back returns).
  ResourceTargets applied;
  std::vector<uint32_t> cpus;  // allowed logical CPUs
};

}  // namespace dwae::sim
