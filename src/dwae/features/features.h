// Features (DEC-3): a pure function from samples to a 32-dimensional vector per workload. The
// same code runs on the real host, in the simulator and in replay; nothing here reads a clock,
// a file or a global. Units and normalisation of every feature are in docs/features.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dwae/host/host.h"

namespace dwae::features {

// Fixed order: the index of a feature is part of the contract (a learned policy depends on it).
enum class Feature : size_t {
  // History over the sliding window
  kCpuUse = 0,          // CPUs used / host CPUs, this tick
  kCpuUseMean,          // window mean of kCpuUse
  kCpuUseTrend,         // last 5 s mean - window mean, / host CPUs
  kRunqP99,             // run-queue delay P99 this tick, log scale
  kRunqP99P95,          // 95th percentile over the window of the per-tick P99, log scale
  kRunqP99Trend,        // last 5 s mean - window mean of kRunqP99
  kThrottledShare,      // throttled periods / periods this tick
  kThrottledMean,       // window mean of kThrottledShare
  kPsiCpuSome,          // share of the tick some task waited for CPU
  kPsiCpuSomeMean,      // window mean
  kPsiCpuFull,          // share of the tick all tasks waited for CPU
  kPsiMemorySome,       // share of the tick some task stalled on memory
  kPsiMemorySomeMax,    // window maximum
  kReclaimStall,        // reclaim stall time / tick time
  kMemoryUseVsHigh,     // memory.current / memory.high (or host memory), / 2
  kPsiIoSome,           // share of the tick some task waited for I/O
  kIoP99,               // I/O latency P99 this tick, log scale
  kIoP99P95,            // 95th percentile over the window, log scale
  kNetDropShare,        // dropped / (dropped + sent) packets this tick
  kNetDropShareMean,    // window mean
  kNetQueueDepth,       // queued packets, log2 scale
  kRequestP99VsTarget,  // application P99 / SLA target, / 4 (0 when not observable)
  // Per-process heat map, summarised
  kTopProcessShare,  // share of the workload's CPU used by its busiest process
  kTopProcessCpu,    // CPUs used by the busiest process / host CPUs
  // Topology
  kNumaNode,           // node / (nodes - 1)
  kLlcDomain,          // LLC domain / (domains - 1)
  kRemoteMemoryShare,  // remote / all memory accesses this tick (0 when unknown)
  // SLA class and priority
  kIsLatencySensitive,
  kIsBestEffort,
  kPriority,  // 0..100 -> 0..1
  // Host context (the same in every workload's vector)
  kHostDemandOverCapacity,  // sum of CPU demand / host CPUs, / 2
  kHostOvercommit,          // vCPUs sold / physical cores, / 10
  kCount
};
inline constexpr size_t kFeatureCount = static_cast<size_t>(Feature::kCount);
static_assert(kFeatureCount == 32, "DEC-3: 32 features");

using FeatureVector = std::array<double, kFeatureCount>;

const char* feature_name(Feature f);
inline double get(const FeatureVector& v, Feature f) {
  return v[static_cast<size_t>(f)];
}

// Per-tick values derived from two samples of one workload, in natural units. Rates are shares
// of the tick; latencies are nanoseconds.
struct Tick {
  Nanos at{0};
  double cpu_cores = 0;  // CPUs used on average over the tick
  double runq_p99_ns = 0;
  double throttled_share = 0;
  double psi_cpu_some = 0, psi_cpu_full = 0, psi_memory_some = 0, psi_io_some = 0;
  double reclaim_stall = 0;
  double io_p99_ns = 0;
  double net_drop_share = 0;
  double remote_memory_share = 0;
  double request_p99_ns = 0;  // 0 when the source cannot see requests or none completed
};

// The cumulative counters of a sample that rates are derived from: what the tracker keeps of a
// workload's previous sample (about 1 KiB instead of the whole sample).
struct Cumulative {
  uint64_t cpu_usage_ns = 0;
  uint64_t nr_periods = 0, nr_throttled = 0;
  uint64_t psi_cpu_some_us = 0, psi_cpu_full_us = 0, psi_memory_some_us = 0, psi_io_some_us = 0;
  uint64_t reclaim_stall_ns = 0;
  uint64_t net_tx_bytes = 0, net_drops = 0;
  uint64_t remote_memory_accesses = 0, local_memory_accesses = 0;
  Log2Histogram runq_delay_ns, io_latency_ns, request_latency_ns;

  static Cumulative of(const WorkloadSample& s);
};

// derive(now, prev, dt): the rates between two cumulative samples. dt <= 0 gives zero rates.
Tick derive(const WorkloadSample& now, const WorkloadSample& prev, Nanos dt);
Tick derive(const WorkloadSample& now, const Cumulative& prev, Nanos dt);

// The last 60 s of ticks of one workload, with the window statistics the features use kept up
// to date on every push, so extracting is O(1) in the window length: sums over the whole window
// and over its last 5 s, the running maximum of memory pressure, and the sorted scaled
// latencies for nearest-rank percentiles. Each tick is kept as the 64 bytes the statistics
// need, in a ring buffer (a tracker keeps one window per workload; they must stay small).
class FeatureWindow {
 public:
  static constexpr Nanos kSpan{60'000'000'000};
  static constexpr Nanos kRecent{5'000'000'000};

  struct Sums {
    double cpu_cores = 0, runq_scaled = 0, throttled = 0, psi_cpu_some = 0, net_drop = 0;
    size_t n = 0;
  };

  void push(const Tick& tick);  // drops ticks older than kSpan before tick.at
  // Asks the CPU to start loading what the next push() and statistics will touch: a tracker
  // keeps megabytes of windows, and each is visited once per tick.
  void prefetch() const;
  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  Nanos oldest_at() const { return empty() ? Nanos{0} : Nanos{slots_.front().at_ns}; }
  Nanos newest_at() const { return empty() ? Nanos{0} : Nanos{slots_.back().at_ns}; }

  const Sums& all() const { return all_; }
  const Sums& recent() const { return recent_; }  // ticks at or after newest - kRecent
  double max_psi_memory_some() const { return max_mem_.empty() ? 0 : max_mem_.front().value; }
  // Nearest-rank q-percentile of latency_scale(runq_p99_ns) / (io_p99_ns) over the window.
  double runq_scaled_percentile(double q) const { return percentile(runq_sorted_, q); }
  double io_scaled_percentile(double q) const { return percentile(io_sorted_, q); }

 private:
  // What the statistics need of one tick (one cache line).
  struct Slot {
    int64_t at_ns = 0;
    double cpu_cores = 0, runq_scaled = 0, throttled = 0, psi_cpu_some = 0, net_drop = 0;
    double psi_memory_some = 0, io_scaled = 0;
  };
  struct Peak {
    int64_t at_ns = 0;
    double value = 0;
  };
  // A FIFO in one growing array: no allocation once it has reached the window's length.
  template <typename T>
  class Ring {
   public:
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T& operator[](size_t i) { return buf_[wrap(head_ + i)]; }
    const T& operator[](size_t i) const { return buf_[wrap(head_ + i)]; }
    const T& front() const { return buf_[head_]; }
    const T& back() const { return (*this)[size_ - 1]; }
    void push_back(const T& v);
    void pop_front() {
      head_ = wrap(head_ + 1);
      --size_;
    }
    void pop_back() { --size_; }
    const T* address(size_t i) const { return buf_.empty() ? nullptr : &buf_[wrap(head_ + i)]; }

   private:
    size_t wrap(size_t i) const { return i >= buf_.size() ? i - buf_.size() : i; }
    std::vector<T> buf_;
    size_t head_ = 0, size_ = 0;
  };

  static void add(Sums& s, const Slot& t, double sign);
  static double percentile(const std::vector<double>& sorted, double q);
  void recompute_sums();

  Ring<Slot> slots_;
  size_t recent_begin_ = 0;  // index of the first tick in recent_
  Sums all_, recent_;
  Ring<Peak> max_mem_;  // decreasing values: a sliding maximum
  std::vector<double> runq_sorted_, io_sorted_;
  size_t pops_ = 0;
};

// Host-wide context shared by every workload's vector.
struct HostContext {
  uint32_t cpus = 1;
  uint64_t memory_total_bytes = 0;
  uint32_t numa_nodes = 1;
  uint32_t llc_domains = 1;
  double cpu_utilisation = 0;       // CPU used / capacity this tick
  double demand_over_capacity = 0;  // CPU wanted (used + waited) / capacity
  double overcommit_ratio = 1;      // vCPUs sold / physical cores (given by the caller)
};

// Fills the per-tick parts of HostContext from the workloads' ticks; topology and overcommit
// are facts the caller sets.
void update_host_context(HostContext& host, const std::vector<Tick>& ticks);

// What extract() reads of a window: its sums, its memory-pressure maximum and the P95 of its
// scaled latencies.
struct WindowStats {
  FeatureWindow::Sums all, recent;
  double max_psi_memory_some = 0;
  double runq_scaled_p95 = 0, io_scaled_p95 = 0;
  static WindowStats of(const FeatureWindow& window);
};

// The feature vector of one workload. `window` holds this workload's ticks up to and including
// `tick`. Every value is finite and clamped to its documented range.
FeatureVector extract(const Tick& tick, const FeatureWindow& window, const WorkloadSample& now,
                      const WorkloadInfo& info, const HostContext& host);
FeatureVector extract(const Tick& tick, const WindowStats& window, const WorkloadSample& now,
                      const WorkloadInfo& info, const HostContext& host);

// Log scale for latencies: 0 at 0 ns, 1 at 1 s and above (log10 of microseconds over 6).
double latency_scale(double ns);

// Keeps the previous counters and a window per workload and produces every workload's vector at
// each sample. The only state is samples already seen; replaying them gives the same vectors.
class FeatureTracker {
 public:
  struct Entry {
    const WorkloadInfo* info = nullptr;
    const WorkloadSample* sample = nullptr;
    Tick tick;
    FeatureVector features{};
  };
  explicit FeatureTracker(HostContext facts) : host_(facts) {}
  // Returns one entry per workload that is both in `infos` and in `now` and was seen in the
  // previous sample (the first sample of a workload has no rates yet), in the order of `infos`.
  // A workload missing from a sample starts again from nothing when it returns.
  std::vector<Entry> update(const HostSample& now, const std::vector<WorkloadInfo>& infos);
  // The same into `out`, whose storage is reused from tick to tick (the control loop's form).
  void update(const HostSample& now, const std::vector<WorkloadInfo>& infos,
              std::vector<Entry>& out);
  const HostContext& host() const { return host_; }
  const FeatureWindow* window(const std::string& name) const;

 private:
  struct Track {
    Cumulative prev;
    FeatureWindow window;
    uint64_t seen = 0;  // the update that last saw this workload in a sample
  };
  Track* match(const HostSample& now, size_t index, const std::string& name);

  HostContext host_;
  std::unordered_map<std::string, Track> tracks_;
  uint64_t updates_ = 0;
  Nanos prev_at_{0};
  bool have_prev_ = false;
  // Per tick, reused: each sample's track, whether it existed before this sample, how many
  // infos name it and whether its counters are already kept; each info's sample; each
  // entry's window statistics.
  std::vector<Track*> track_of_;
  std::vector<uint8_t> had_prev_, infos_naming_, kept_;
  std::vector<size_t> sample_of_info_;
  std::unordered_map<std::string_view, size_t> index_of_;  // built only when orders differ
  std::vector<WindowStats> stats_;
};

}  // namespace dwae::features
