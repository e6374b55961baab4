// Planning: from a workload's current settings and its targets to an ordered list of file
// writes that obeys the kernel's rules at every step, inside the class bounds, rate-limited
// and with hysteresis. Pure: no file is read or written here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/config/config.h"
#include "dwae/host/host.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/reader.h"

namespace dwae::actuator {

// The values the planner reasons about, in v2 units whatever the host runs. Missing = the
// host does not have that knob (or the cgroup is not in that hierarchy).
struct KnobState {
  std::optional<uint64_t> cpu_weight;    // 1..10000
  std::optional<uint64_t> cpu_quota_us;  // kNoLimit = max
  std::optional<uint64_t> cpu_period_us;
  std::optional<uint64_t> cpu_burst_us;
  std::optional<bool> cpu_idle;
  std::optional<std::vector<uint32_t>> cpuset_cpus, cpuset_mems;
  std::optional<uint64_t> memory_min, memory_low, memory_high, memory_max;  // kNoLimit = max
  std::optional<uint64_t> io_weight;
  std::optional<std::vector<IoDeviceLimit>> io_limits;
  bool operator==(const KnobState&) const = default;
};

// The kernel's rules on one cgroup's state: period 1 ms..1 s, quota >= 1 ms unless max,
// burst <= quota (when quota is set), memory min <= low <= high <= max, weights in range.
// Returns the first rule broken, or success.
Status check_kernel_rules(const KnobState& state);

// One file write.
struct PlannedWrite {
  std::string knob;  // e.g. "cpu_weight", "memory_high"
  std::string dir;   // cgroup directory
  std::string file;  // e.g. "cpu.shares"
  std::string value;
};

struct PlanOptions {
  double hysteresis = 0.02;  // relative changes smaller than this are skipped
  double max_step = 0.25;    // largest relative change per tick
};

struct WorkloadPlan {
  std::string workload;
  KnobState before;                   // what the host holds now
  KnobState after;                    // what it will hold once every write is done
  std::vector<PlannedWrite> writes;   // in an order valid at every step
  std::vector<FieldStatus> adjusted;  // clamps, rate limits and skips, for the audit trail
  int cpuset_direction = 0;           // -1 shrinks, +1 grows or changes, 0 untouched
};

// Which hierarchy version each controller of this workload lives in.
struct WorkloadFiles {
  hostfs::CgroupDirs dirs;
  std::array<hostfs::CgroupVersion, hostfs::kControllerCount> version{};
  bool io_weight_is_bfq = false;  // no io.weight: write the BFQ weight file
};

KnobState knobs_from_settings(const hostfs::CgroupSettings& s, const WorkloadFiles& files);

// Clamps targets to bounds, rate-limits against `before`, skips changes under the hysteresis,
// checks the kernel rules on the result and orders the writes. Fails (with the rule broken)
// when the result would break a kernel rule; nothing is written then.
Result<WorkloadPlan> plan_workload(const std::string& workload, const KnobState& before,
                                   const ResourceTargets& targets,
                                   const config::ResourceBounds& bounds, const WorkloadFiles& files,
                                   const PlanOptions& options);

// The state after applying writes[0..n) of a plan to plan.before (for checking each step).
KnobState state_after_writes(const WorkloadPlan& plan, size_t n);

}  // namespace dwae::actuator
