// The eBPF collectors of memory, block I/O, network and process lifecycle events
// (bpf/<class>.bpf.c) and the opt-in raw-event stream they share with the scheduling
// collector. Each aggregates per cgroup in the kernel (per-CPU hash maps) and is drained once
// per tick with batch lookup-and-delete: a drain returns what happened since the previous one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/histogram.h"
#include "dwae/telemetry/sched_collector.h"

namespace dwae::telemetry {

// What a raw event is (bpf/records.h enum dwae_raw_kind).
enum class RawEventKind : uint16_t {
  kRunDelay = 1,       // value: run-queue wait that ended, ns
  kSwitchOut = 2,      // value: on-CPU time of the slice that ended, ns
  kUserFault = 3,      // value: faulting address; aux: error code
  kReclaim = 4,        // value: stall, ns; aux: pages reclaimed
  kOomKill = 5,        // pid: the victim
  kBlockComplete = 6,  // value: issue -> complete, ns; aux: bytes, bit 63 set for writes
  kNetTx = 7,          // value: bytes
  kNetRx = 8,          // value: bytes
  kTcpRetransmit = 9,
  kFork = 10,  // aux: child pid
  kExec = 11,
  kExit = 12,  // value: 1 when the process ended (last thread)
};
const char* to_string(RawEventKind kind);

struct RawEvent {
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  CgroupId cgroup_id = 0;
  uint64_t value = 0;
  uint64_t aux = 0;
  uint32_t pid = 0;  // 0 where the event has no task (softirq, completion)
  RawEventKind kind = RawEventKind::kRunDelay;
  uint16_t cpu = 0;
};

// Cumulative since the stream was created, over all CPUs and all collectors.
struct RawEventCounters {
  uint64_t seen = 0;     // events that passed a raw-event hook
  uint64_t sampled = 0;  // ... chosen by the sampling (about seen / sample_every)
  uint64_t dropped = 0;  // ... lost because the ring was full (user space fell behind)
  uint64_t delivered() const { return sampled - dropped; }
};

// One BPF ring buffer and one per-CPU counter array, shared by every collector created with
// CollectorOptions::raw pointing at it (their own copies are replaced before load).
class RawEventStream {
 public:
  // ring_bytes: a power of two, multiple of the page size. sample_every: 1 = every event.
  static Result<RawEventStream> create(size_t ring_bytes, uint32_t sample_every);

  RawEventStream(RawEventStream&&) noexcept;
  RawEventStream& operator=(RawEventStream&&) noexcept;
  ~RawEventStream();

  int ring_fd() const;
  int counters_fd() const;
  uint32_t sample_every() const;

  // Appends every event waiting in the ring to `out` (no blocking); returns how many.
  Result<size_t> consume(std::vector<RawEvent>& out);
  Result<RawEventCounters> counters() const;

 private:
  struct State;
  explicit RawEventStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

struct CollectorOptions {
  CgroupAttribution attribution = CgroupAttribution::kUnified;
  std::string kernel_btf_path = "/sys/kernel/btf/vmlinux";
  const RawEventStream* raw = nullptr;  // opt-in: also send sampled events to this stream
};

struct MemoryStats {
  uint64_t user_faults = 0;       // page faults taken in user mode
  uint64_t page_allocations = 0;  // successful mm_page_alloc calls by the cgroup's tasks
  uint64_t pages_allocated = 0;   // ... their pages
  uint64_t direct_reclaims = 0;   // global direct reclaim episodes (host short of memory)
  uint64_t limit_reclaims = 0;    // reclaim at the cgroup's own limit (memcg reclaim)
  uint64_t reclaim_stall_ns = 0;  // time the cgroup's tasks spent in either kind
  uint64_t pages_reclaimed = 0;
  uint64_t oom_kills = 0;       // tasks of the cgroup chosen by the OOM killer
  Log2Histogram reclaim_stall;  // each episode, ns
};

struct BlockStats {
  struct Direction {
    uint64_t ios = 0, bytes = 0;
    uint64_t sequential_ios = 0, sequential_bytes = 0;
    uint64_t random_ios() const { return ios - sequential_ios; }
    uint64_t random_bytes() const { return bytes - sequential_bytes; }
  };
  Direction read, write;
  uint64_t metadata_ios = 0;  // REQ_META
  uint64_t other_ios = 0;     // flush, discard, ...
  uint64_t errors = 0;
  uint64_t queued_ios = 0;  // went through a scheduler queue (block_rq_insert)
  uint64_t queue_ns = 0;    // ... insert -> issue, summed
  uint64_t latency_ns = 0;  // issue -> complete, summed
  Log2Histogram latency;    // issue -> complete, ns
};

struct NetStats {
  uint64_t rx_packets = 0, rx_bytes = 0;  // delivered to the cgroup's sockets
  uint64_t tx_packets = 0, tx_bytes = 0;  // sent from the cgroup's sockets
  uint64_t tcp_retransmits = 0;
  uint64_t congestion_events = 0;  // TCP entered CWR, Recovery or Loss
  uint64_t loss_events = 0;        // ... Loss (retransmission timeout)
  uint64_t rx_queue_drops = 0;     // socket receive queue full
  // Device-level receive (netif_receive_skb): before socket lookup, so nearly all of it is
  // under cgroup id 0.
  uint64_t device_rx_packets = 0, device_rx_bytes = 0;
};

struct LifecycleStats {
  uint64_t forks = 0;  // charged to the parent's cgroup
  uint64_t execs = 0;
  uint64_t thread_exits = 0;
  uint64_t process_exits = 0;
};

template <typename Stats>
using StatsByCgroup = std::unordered_map<CgroupId, Stats>;

// One collector per event class. create() opens, loads and attaches its BPF object and fails
// with a reason (no BTF, no permission, verifier); tracepoints the kernel lacks are switched
// off and listed by missing_events(). drain() reads and clears the per-cgroup aggregates.
template <typename Stats>
class EventCollector {
 public:
  EventCollector(EventCollector&&) noexcept;
  EventCollector& operator=(EventCollector&&) noexcept;
  ~EventCollector();

  Result<StatsByCgroup<Stats>> drain();
  const std::vector<std::string>& missing_events() const;
  CgroupAttribution attribution() const;

  struct Impl;  // per class, in its .cpp

 protected:
  explicit EventCollector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class MemoryCollector : public EventCollector<MemoryStats> {
 public:
  // Use the v1 memory hierarchy (kV1Memory) where memory is on v1.
  static Result<MemoryCollector> create(const CollectorOptions& options);

 private:
  using EventCollector::EventCollector;
};

class BlockCollector : public EventCollector<BlockStats> {
 public:
  // Requests are charged to the cgroup of their bio's blkcg (the hierarchy of the io/blkio
  // controller); the attribution mode applies to requests without one (flushes).
  static Result<BlockCollector> create(const CollectorOptions& options);

 private:
  using EventCollector::EventCollector;
};

class NetCollector : public EventCollector<NetStats> {
 public:
  // cgroup2_mount: where the v2 hierarchy is mounted; per-socket receive counting attaches
  // there (at its root, so it sees every socket). Empty, or unusable: no rx_packets/rx_bytes
  // per workload (socket_ingress() says why).
  static Result<NetCollector> create(const CollectorOptions& options,
                                     const std::string& cgroup2_mount);
  // Empty when the per-socket receive hook is attached, else why not.
  const std::string& socket_ingress_problem() const;

 private:
  using EventCollector::EventCollector;
};

// Host-wide counts, since the collector was loaded, of changes to the cgroup trees.
struct CgroupTreeChanges {
  uint64_t cgroup_changes = 0;  // directories made, removed or renamed, in any hierarchy
  uint64_t task_moves = 0;      // tasks attached to another cgroup
};

class LifecycleCollector : public EventCollector<LifecycleStats> {
 public:
  static Result<LifecycleCollector> create(const CollectorOptions& options);

  // Read from the programs' memory-mapped counters (no system call). nullopt when the kernel
  // lacks the cgroup tracepoints, so a change could go unseen.
  std::optional<CgroupTreeChanges> tree_changes() const;

 private:
  using EventCollector::EventCollector;
  // The programs' two __u64 counters, in the skeleton's memory-mapped .bss (impl_ owns it).
  const void* cgroup_changes_ = nullptr;
  const void* task_moves_ = nullptr;
};

}  // namespace dwae::telemetry
