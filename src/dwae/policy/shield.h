// The shield: every adaptive policy's proposal passes through it before it becomes a Decision.
// It replaces non-finite values, clamps to the class floors and ceilings, and limits how fast
// each resource may move per tick. It is the only place that knows the bounds, so a policy
// (rule, feedback, later PPO) cannot leave them whatever it computes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dwae/host/host.h"
#include "dwae/policy/explanation.h"

namespace dwae::policy {

// What a policy proposes for one workload, in doubles so that a broken computation (NaN, inf,
// negative) reaches the shield instead of wrapping around in an integer conversion.
struct Proposal {
  std::optional<double> cpu_weight;  // 1..10000
  std::optional<bool> cpu_idle;
  std::optional<double> memory_low_bytes;
  std::optional<double> io_weight;  // 1..10000
};

struct Bounds {
  double min = 0, max = 0;
};

struct ClassLimits {
  Bounds cpu_weight{1, 10000};
  Bounds io_weight{1, 10000};
  bool may_idle = true;  // latency-sensitive workloads are never put in cpu.idle
};

struct ShieldConfig {
  ClassLimits latency_sensitive{{100, 10000}, {100, 10000}, false};
  ClassLimits throughput{{10, 2000}, {10, 2000}, true};
  ClassLimits best_effort{{1, 1000}, {1, 1000}, true};
  // Largest relative change per tick of a weight or memory.low (the actuator's max_step).
  double max_step = 0.25;
  // Smallest step allowed, so that a value near zero can still move: weights, memory.low.
  double min_weight_step = 1;
  double min_memory_step_bytes = 64.0 * 1024 * 1024;
  // memory.low never exceeds this share of host memory, nor the workload's memory.high.
  double memory_low_max_host_share = 0.5;
  // cpu.idle may flip at most once per this long per workload.
  Nanos idle_dwell{1'000'000'000};

  const ClassLimits& limits(WorkloadClassKind kind) const;
};

struct ShieldResult {
  ResourceTargets targets;  // only the fields the proposal set (after guards)
  std::vector<GuardAction> guards;
};

class Shield {
 public:
  explicit Shield(ShieldConfig config = {}) : config_(config) {}
  // `applied`: what the workload has now (read back). A field the proposal leaves empty stays
  // empty. Each output field is inside the class bounds and within max_step of the applied
  // value clamped to those bounds.
  ShieldResult apply(const WorkloadInfo& info, const ResourceTargets& applied,
                     uint64_t memory_total_bytes, Nanos now, const Proposal& proposal);
  // The same, appending the guards that acted to `guards` (the control loop's form: it reuses
  // one vector).
  ResourceTargets apply(const WorkloadInfo& info, const ResourceTargets& applied,
                        uint64_t memory_total_bytes, Nanos now, const Proposal& proposal,
                        std::vector<GuardAction>& guards);
  const ShieldConfig& config() const { return config_; }

 private:
  ShieldConfig config_;
  std::map<std::string, Nanos> last_idle_flip_;
};

// The applied value of a weight, with the kernel default (100) when unset.
double applied_weight(const std::optional<uint32_t>& applied);

}  // namespace dwae::policy
