// What the simulator measures beyond the HostSample counters, for reports: per-class latency
// (whole run and per 1-second window), SLA windows, throughput per window, stalls, and host
// utilisation, fragmentation and NUMA locality integrals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dwae/sim/latency_recorder.h"

namespace dwae::sim {

struct ClassMetrics {
  // The counters every completion touches come first, on few cache lines.
  uint64_t requests = 0, requests_over_target = 0, requests_failed = 0;
  uint64_t frames_total = 0, frames_missed = 0;
  double units_in_window = 0;  // throughput unit: requests, frames, bytes or CPU-seconds
  double local_accesses = 0, remote_accesses = 0;
  uint64_t windows_with_requests = 0, windows_violating = 0;
  std::optional<double> p99_target_ns;
  std::string name;
  std::vector<double> units_per_window;
  LatencyRecorder latency;  // whole run
  LatencyRecorder window;   // current 1 s window
};

struct HostMetrics {
  double elapsed_ns = 0;
  double cpu_capacity_ns = 0, cpu_used_ns = 0;
  double memory_capacity_byte_ns = 0, memory_used_byte_ns = 0;
  double cpu_stranded_ns = 0;          // idle CPU while some workload was held back
  double memory_stranded_byte_ns = 0;  // free memory while some workload stalled on its limit
  uint64_t events = 0;                 // arrivals + completions + steps
};

class Metrics {
 public:
  std::vector<ClassMetrics> classes;
  HostMetrics host;
  void close_window();  // at each simulated second
};

}  // namespace dwae::sim
