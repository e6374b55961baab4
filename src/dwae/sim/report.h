// The report of one simulation run: per class latency, SLA, stalls and throughput; host
// utilisation, fragmentation, overcommit and NUMA locality. Rendered as text or JSON; the
// same scenario and seed give byte-identical output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dwae/sim/metrics.h"
#include "dwae/sim/scenario.h"

namespace dwae::sim {

struct ClassReport {
  std::string name;
  std::string kind;
  std::vector<std::string> workloads;
  uint64_t requests = 0, requests_failed = 0;
  double mean_ms = 0, p50_ms = 0, p99_ms = 0, p999_ms = 0;
  std::optional<double> p99_target_ms;
  double sla_violation_share = 0;   // share of 1 s windows whose P99 exceeded the target
  double requests_over_target = 0;  // share of requests slower than the target
  uint64_t frames_total = 0, frames_missed = 0;
  double stall_rate = 0;  // missed frames / frames
  std::string throughput_unit;
  double throughput = 0;        // units per second, mean over windows
  double throughput_cv = 0;     // over 1 s windows
  double cross_numa_share = 0;  // remote / all memory accesses
};

struct HostReport {
  double cpu_utilisation = 0, memory_utilisation = 0;
  double cpu_fragmentation = 0, memory_fragmentation = 0;
  double overcommit_ratio = 0;  // sold vCPUs / physical cores
  double cross_numa_share = 0;
  uint64_t oom_kills = 0, throttled_periods = 0, net_drops = 0, net_retransmits = 0;
};

struct Report {
  std::string scenario;
  std::string policy;
  uint64_t seed = 0;
  double simulated_seconds = 0;
  uint64_t events = 0;
  std::vector<ClassReport> classes;
  HostReport host;
  std::string to_json() const;
  std::string to_text() const;
};

}  // namespace dwae::sim
