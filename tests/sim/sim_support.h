// Helpers shared by the simulator tests: small scenarios built in code.
#pragma once

#include <string>

#include "dwae/sim/scenario.h"

namespace dwae::sim::test {

inline ClassSpec latency_class(const std::string& name, Nanos p99 = Nanos{20'000'000}) {
  ClassSpec c;
  c.name = name;
  c.kind = WorkloadClassKind::kLatencySensitive;
  c.p99_target = p99;
  return c;
}

inline ClassSpec batch_class(const std::string& name) {
  ClassSpec c;
  c.name = name;
  c.kind = WorkloadClassKind::kBestEffort;
  return c;
}

// A request/response service with Poisson arrivals and exponential work.
inline WorkloadSpec mm_service(const std::string& name, const std::string& klass, double rate,
                               Nanos mean_work, uint32_t threads) {
  WorkloadSpec w;
  w.name = name;
  w.class_name = klass;
  w.kind = WorkloadKind::kService;
  w.threads = threads;
  w.arrivals.kind = ArrivalKind::kPoisson;
  w.arrivals.rate = rate;
  w.service.kind = ServiceDistKind::kExponential;
  w.service.mean = mean_work;
  w.memory.memory_bound = 0;
  return w;
}

inline WorkloadSpec batch(const std::string& name, const std::string& klass, uint32_t threads) {
  WorkloadSpec w;
  w.name = name;
  w.class_name = klass;
  w.kind = WorkloadKind::kBatch;
  w.threads = threads;
  w.memory.memory_bound = 0;
  return w;
}

inline Scenario host_with(uint32_t cores, Nanos duration, uint64_t seed = 7) {
  Scenario s;
  s.name = "test";
  s.duration = duration;
  s.seed = seed;
  s.host.cores = cores;
  return s;
}

}  // namespace dwae::sim::test
