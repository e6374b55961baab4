// The benchmark's scenarios (issue list: steady load with CPU hogs at 1:4 and 1:8, bursty load,
// two latency-sensitive tenants with different SLAs, memory pressure, I/O contention) and the
// agent config that matches their test cgroups.
//
// Oversubscription 1:N means N runnable best-effort hog threads per core the benchmark may use
// (the cpus of its own cpuset), on top of the latency-sensitive services.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dwae/bench/results.h"

namespace dwae::bench {

enum class ServiceKind {
  redis_lrange,      // redis-server, redis-benchmark `LRANGE mylist 0 599` on a 600-element list
  redis_aof_set,     // redis-server with appendfsync always, redis-benchmark `SET`: fsync-bound
  nginx_small,       // nginx serving a small file, wrk
  nginx_file_range,  // nginx serving random 64 KiB ranges of a large file (page-cache bound)
};

struct ServiceSpec {
  std::string name;  // tenant and workload name, e.g. "redis"
  ServiceKind kind = ServiceKind::redis_lrange;
  int clients = 4;                          // connections of the load generator
  std::chrono::microseconds p99_sla{2000};  // the class SLA the agent steers towards
  int priority = 50;                        // class priority (0..100)
  uint64_t file_bytes = 0;                  // nginx_file_range: size of the served file
};

enum class BestEffortKind {
  cpu_hogs,       // stress-ng --cpu N
  memory_hog,     // stress-ng --vm N --vm-bytes B --vm-keep
  fio_randwrite,  // fio 4 KiB random writes, O_DIRECT when the file system allows it
};

struct BestEffortSpec {
  std::string name;  // tenant and workload name, e.g. "hogs"
  BestEffortKind kind = BestEffortKind::cpu_hogs;
  int hogs_per_core = 0;  // cpu_hogs: threads per usable core (the oversubscription)
  int workers = 1;        // memory_hog, fio_randwrite
  uint64_t bytes = 0;     // memory_hog: all workers together; fio_randwrite: file size
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<ServiceSpec> services;
  std::vector<BestEffortSpec> best_effort;
  // Bursty latency-sensitive load: on for burst_on, off for burst_off (zero: steady).
  std::chrono::milliseconds burst_on{0}, burst_off{0};
  // Memory limit of the parent of all tenants (memory pressure scenarios); 0: none.
  uint64_t tenants_memory_limit_bytes = 0;
};

const std::vector<Scenario>& all_scenarios();
std::optional<Scenario> find_scenario(const std::string& name);

// What the agent config needs to know about the test cgroups.
struct AgentConfigInput {
  std::string root_name;                 // the benchmark root cgroup's name (dwae-bench-<pid>)
  std::vector<std::string> tenant_dirs;  // <root>/tenants in every hierarchy (cgroup_roots)
  std::string state_dir;
  Controller controller = Controller::feedback;  // rule, feedback or ppo
  std::string model_path;                        // ppo only
  std::chrono::milliseconds period{100};
};

// The YAML config `dwae run --config` gets: metrics endpoint off, its own state directory, one
// latency-sensitive class per service (its SLA and priority) and the best-effort tenants.
std::string agent_config(const Scenario& scenario, const AgentConfigInput& input);

}  // namespace dwae::bench
