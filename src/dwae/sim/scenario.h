// A simulator scenario: the host, the workload classes with their SLAs, the workloads with their
// static settings and model parameters, the duration and the seed. Loaded from YAML by
// load_scenario(); every problem is reported as FILE:LINE:COL like config errors.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dwae/config/config.h"
#include "dwae/host/host.h"

namespace dwae::sim {

using Nanos = std::chrono::nanoseconds;

struct DiskSpec {
  double random_iops = 20000;    // 4 KiB random operations per second at saturation
  double bandwidth_bps = 500e6;  // bytes per second, sequential
  double random_penalty = 4.0;   // a random op costs this many sequential ops of its size
  double metadata_cost = 1.5;    // a metadata op costs this many random 4 KiB ops
  Nanos base_latency{100'000};   // service time of one op on an idle device
};

struct LinkSpec {
  double bandwidth_bps = 1.25e9;  // bytes per second (10 Gbit/s)
  uint64_t queue_packets = 1000;  // per-workload queue limit before drops
  uint32_t mtu_bytes = 1500;
};

struct HostSpec {
  uint32_t cores = 8;  // physical cores
  uint32_t smt = 1;    // hardware threads per core
  uint32_t numa_nodes = 1;
  uint64_t memory_bytes = 32ull << 30;
  double smt_yield = 0.3;  // extra throughput a core gets from its second busy sibling
  Nanos local_memory_latency{89};
  Nanos remote_memory_latency{142};
  uint64_t llc_bytes_per_domain = 32ull << 20;
  Nanos sched_slice{3'000'000};  // CFS base slice: how long a running task keeps a busy core
  DiskSpec disk;
  LinkSpec link;
  uint32_t logical_cpus() const { return cores * smt; }
};

enum class ArrivalKind { kPoisson, kOnOff, kDiurnal, kPeriodic };
struct ArrivalSpec {
  ArrivalKind kind = ArrivalKind::kPoisson;
  double rate = 0;                              // per second (on-rate for on/off; mean for diurnal)
  double off_rate = 0;                          // on/off: rate while off
  Nanos on{1'000'000'000}, off{1'000'000'000};  // on/off mean phase lengths (exponential)
  double amplitude = 0.5;                       // diurnal: rate * (1 + amplitude*sin)
  Nanos period{60'000'000'000};                 // diurnal period
};

enum class ServiceDistKind { kExponential, kConstant, kLognormal };
struct ServiceSpec {
  ServiceDistKind kind = ServiceDistKind::kExponential;
  Nanos mean{1'000'000};  // CPU work per request on an uncontended core
  double cv = 1.0;        // lognormal coefficient of variation
};

enum class WorkloadKind {
  kService,       // request/response, latency-sensitive
  kBatch,         // CPU-bound job with a fixed number of threads
  kManaged,       // a service on a managed runtime: heap growth and GC pauses
  kLogWriter,     // database log writer: sequential writes
  kObjectReader,  // object-store reader: large sequential reads
  kMetadata,      // small-file service: each request does metadata I/O
  kVideo,         // streaming: frames with per-frame deadlines
  kNoisy,         // a neighbour that bursts CPU, I/O and network
};
const char* to_string(WorkloadKind kind);

enum class IoPattern { kSeqRead, kSeqWrite, kRandRead, kRandWrite, kMetadata };

struct IoSpec {
  IoPattern pattern = IoPattern::kSeqRead;
  double bytes_per_second = 0;  // offered load (bulk workloads)
  uint64_t op_bytes = 4096;
  double ops_per_request = 0;  // request-driven I/O (metadata service)
};

struct NetSpec {
  double bytes_per_second = 0;  // offered bulk traffic
  uint64_t bytes_per_request = 0;
  bool reliable = true;  // TCP: drops are retransmitted; false: drops are lost (RTP)
};

struct MemorySpec {
  uint64_t working_set_bytes = 256ull << 20;
  double leak_bytes_per_second = 0;
  double memory_bound = 0.2;  // share of CPU work that waits on memory (NUMA penalty)
  uint64_t llc_footprint_bytes = 4ull << 20;
  double llc_sensitivity = 0.0;  // service-time stretch when the LLC is fully contended
};

struct GcSpec {
  uint64_t heap_bytes = 0;  // 0: no GC
  uint64_t live_bytes = 0;
  uint64_t alloc_bytes_per_request = 0;
  double collect_bytes_per_second = 2e9;  // pause = live / this
};

struct VideoSpec {
  uint32_t streams = 0;
  double fps = 30;
  Nanos deadline{40'000'000};
  uint64_t frame_bytes = 8192;
};

struct BurstSpec {      // batch and noisy: on/off CPU bursts
  Nanos on{0}, off{0};  // 0: always on
};

struct WorkloadSpec {
  std::string name;
  std::string class_name;
  WorkloadKind kind = WorkloadKind::kService;
  uint32_t numa_node = 0;
  double vcpus = 0;      // what the tenant was sold (overcommit); 0 = threads
  uint32_t threads = 1;  // worker threads (service) or CPU-bound threads (batch)
  ArrivalSpec arrivals;
  ServiceSpec service;
  IoSpec io;
  NetSpec net;
  MemorySpec memory;
  GcSpec gc;
  VideoSpec video;
  BurstSpec burst;
  ResourceTargets settings;  // the static settings; the static policy applies these
  config::SourceLocation where;
};

struct ClassSpec {
  std::string name;
  WorkloadClassKind kind = WorkloadClassKind::kBestEffort;
  int priority = 0;
  std::optional<Nanos> p99_target;
  std::optional<double> throughput_cv_target;
  config::SourceLocation where;
};

// The shortest control_period a scenario (or `dwae record --period` over it) may ask for; it
// must also be at least the quantum.
inline constexpr Nanos kMinControlPeriod{1'000'000};

struct Scenario {
  std::string name;
  std::string description;
  Nanos duration{60'000'000'000};
  uint64_t seed = 1;
  Nanos quantum{5'000'000};           // CPU allocation is recomputed this often
  Nanos control_period{200'000'000};  // the policy runs this often
  HostSpec host;
  std::vector<ClassSpec> classes;
  std::vector<WorkloadSpec> workloads;
  std::string source;  // file the scenario came from
};

struct ScenarioLoad {
  std::optional<Scenario> scenario;
  std::vector<config::Diagnostic> diagnostics;  // every problem found; empty when loaded
};

ScenarioLoad load_scenario_file(const std::string& path);
ScenarioLoad load_scenario_text(std::string_view text, const std::string& file_name);

}  // namespace dwae::sim
