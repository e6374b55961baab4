// The planner: bounds, rate limits, hysteresis, kernel rules and write order.
#include "dwae/actuator/plan.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "dwae/actuator/values.h"
#include "dwae/hostfs/parsers.h"

namespace dwae::actuator {
namespace {

using hostfs::CgroupVersion;
using hostfs::Controller;

// Rules, one bit each, so a step can be checked for "breaks nothing that was not broken".
enum Rule : uint32_t {
  kPeriodRange = 1u << 0,
  kQuotaMin = 1u << 1,
  kBurstAboveQuota = 1u << 2,
  kMinAboveLow = 1u << 3,
  kLowAboveHigh = 1u << 4,
  kHighAboveMax = 1u << 5,
  kCpuWeightRange = 1u << 6,
  kIoWeightRange = 1u << 7,
  kEmptyCpuset = 1u << 8,
};

const char* rule_message(uint32_t rule) {
  switch (rule) {
    case kPeriodRange:
      return "cpu period must be within 1000..1000000 us";
    case kQuotaMin:
      return "cpu quota must be at least 1000 us (or max)";
    case kBurstAboveQuota:
      return "cpu burst must not exceed the quota";
    case kMinAboveLow:
      return "memory.min must not exceed memory.low";
    case kLowAboveHigh:
      return "memory.low must not exceed memory.high";
    case kHighAboveMax:
      return "memory.high must not exceed memory.max";
    case kCpuWeightRange:
      return "cpu weight must be within 1..10000";
    case kIoWeightRange:
      return "io weight must be within 1..10000";
    case kEmptyCpuset:
      return "cpuset cpus and mems must not be empty";
    default:
      return "unknown rule";
  }
}

uint32_t broken_rules(const KnobState& s) {
  uint32_t broken = 0;
  if (s.cpu_period_us && (*s.cpu_period_us < 1000 || *s.cpu_period_us > 1000000)) {
    broken |= kPeriodRange;
  }
  if (s.cpu_quota_us && *s.cpu_quota_us != kNoLimit && *s.cpu_quota_us < 1000) broken |= kQuotaMin;
  if (s.cpu_burst_us && s.cpu_quota_us && *s.cpu_quota_us != kNoLimit &&
      *s.cpu_burst_us > *s.cpu_quota_us) {
    broken |= kBurstAboveQuota;
  }
  const auto above = [](const std::optional<uint64_t>& a, const std::optional<uint64_t>& b) {
    return a && b && *a > *b;
  };
  if (above(s.memory_min, s.memory_low)) broken |= kMinAboveLow;
  if (above(s.memory_low, s.memory_high)) broken |= kLowAboveHigh;
  if (above(s.memory_high, s.memory_max)) broken |= kHighAboveMax;
  if (s.cpu_weight && (*s.cpu_weight < 1 || *s.cpu_weight > 10000)) broken |= kCpuWeightRange;
  if (s.io_weight && (*s.io_weight < 1 || *s.io_weight > 10000)) broken |= kIoWeightRange;
  if ((s.cpuset_cpus && s.cpuset_cpus->empty()) || (s.cpuset_mems && s.cpuset_mems->empty())) {
    broken |= kEmptyCpuset;
  }
  return broken;
}

Status rules_status(uint32_t broken) {
  for (uint32_t bit = 1; bit != 0 && bit <= broken; bit <<= 1) {
    if ((broken & bit) != 0) return Error{std::string("kernel rule: ") + rule_message(bit)};
  }
  return Status::success();
}

// One knob change: which knobs it sets (from `after`) and the files it writes.
enum class Knob {
  kCpuWeight,
  kCpuMax,  // v2: quota and period in one file
  kCpuQuota,
  kCpuPeriod,
  kCpuBurst,
  kCpuIdle,
  kCpusetCpus,
  kCpusetMems,
  kMemMin,
  kMemLow,
  kMemHigh,
  kMemMax,
  kIoWeight,
  kIoLimits,
};

const char* knob_name(Knob k) {
  switch (k) {
    case Knob::kCpuWeight:
      return "cpu_weight";
    case Knob::kCpuMax:
      return "cpu_max";
    case Knob::kCpuQuota:
      return "cpu_quota";
    case Knob::kCpuPeriod:
      return "cpu_period";
    case Knob::kCpuBurst:
      return "cpu_burst";
    case Knob::kCpuIdle:
      return "cpu_idle";
    case Knob::kCpusetCpus:
      return "cpuset_cpus";
    case Knob::kCpusetMems:
      return "cpuset_mems";
    case Knob::kMemMin:
      return "memory_min";
    case Knob::kMemLow:
      return "memory_low";
    case Knob::kMemHigh:
      return "memory_high";
    case Knob::kMemMax:
      return "memory_max";
    case Knob::kIoWeight:
      return "io_weight";
    case Knob::kIoLimits:
      return "io_limits";
  }
  return "?";
}

std::optional<Knob> knob_from_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Knob::kIoLimits); ++i) {
    if (name == knob_name(static_cast<Knob>(i))) return static_cast<Knob>(i);
  }
  return std::nullopt;
}

// Copies the knob's fields from `from` into `to`.
void apply_knob(Knob k, const KnobState& from, KnobState& to) {
  switch (k) {
    case Knob::kCpuWeight:
      to.cpu_weight = from.cpu_weight;
      break;
    case Knob::kCpuMax:
      to.cpu_quota_us = from.cpu_quota_us;
      to.cpu_period_us = from.cpu_period_us;
      break;
    case Knob::kCpuQuota:
      to.cpu_quota_us = from.cpu_quota_us;
      break;
    case Knob::kCpuPeriod:
      to.cpu_period_us = from.cpu_period_us;
      break;
    case Knob::kCpuBurst:
      to.cpu_burst_us = from.cpu_burst_us;
      break;
    case Knob::kCpuIdle:
      to.cpu_idle = from.cpu_idle;
      break;
    case Knob::kCpusetCpus:
      to.cpuset_cpus = from.cpuset_cpus;
      break;
    case Knob::kCpusetMems:
      to.cpuset_mems = from.cpuset_mems;
      break;
    case Knob::kMemMin:
      to.memory_min = from.memory_min;
      break;
    case Knob::kMemLow:
      to.memory_low = from.memory_low;
      break;
    case Knob::kMemHigh:
      to.memory_high = from.memory_high;
      break;
    case Knob::kMemMax:
      to.memory_max = from.memory_max;
      break;
    case Knob::kIoWeight:
      to.io_weight = from.io_weight;
      break;
    case Knob::kIoLimits:
      to.io_limits = from.io_limits;
      break;
  }
}

std::string memory_text(uint64_t v, bool v1) {
  if (v == kNoLimit) return v1 ? "-1" : "max";
  return std::to_string(v);
}

std::string limit_text(uint64_t v) {
  return v == kNoLimit ? "max" : std::to_string(v);
}

// The file writes for one knob (several for per-device I/O limits).
// `io_changed` lists the devices whose limits change (the others are not rewritten).
std::vector<PlannedWrite> writes_for(Knob k, const KnobState& after,
                                     const std::vector<IoDeviceLimit>& io_changed,
                                     const WorkloadFiles& f) {
  const auto dir = [&](Controller c) { return f.dirs.get(c); };
  const auto v1 = [&](Controller c) {
    return f.version[static_cast<size_t>(c)] == CgroupVersion::kV1;
  };
  const std::string name = knob_name(k);
  std::vector<PlannedWrite> out;
  const auto add = [&](Controller c, std::string file, std::string value) {
    out.push_back(PlannedWrite{name, dir(c), std::move(file), std::move(value)});
  };
  switch (k) {
    case Knob::kCpuWeight:
      if (v1(Controller::kCpu)) {
        add(Controller::kCpu, "cpu.shares", std::to_string(weight_to_shares(*after.cpu_weight)));
      } else {
        add(Controller::kCpu, "cpu.weight", std::to_string(*after.cpu_weight));
      }
      break;
    case Knob::kCpuMax:
      add(Controller::kCpu, "cpu.max",
          limit_text(*after.cpu_quota_us) + " " + std::to_string(*after.cpu_period_us));
      break;
    case Knob::kCpuQuota:
      add(Controller::kCpu, "cpu.cfs_quota_us",
          *after.cpu_quota_us == kNoLimit ? "-1" : std::to_string(*after.cpu_quota_us));
      break;
    case Knob::kCpuPeriod:
      add(Controller::kCpu, "cpu.cfs_period_us", std::to_string(*after.cpu_period_us));
      break;
    case Knob::kCpuBurst:
      add(Controller::kCpu, v1(Controller::kCpu) ? "cpu.cfs_burst_us" : "cpu.max.burst",
          std::to_string(*after.cpu_burst_us));
      break;
    case Knob::kCpuIdle:
      add(Controller::kCpu, "cpu.idle", *after.cpu_idle ? "1" : "0");
      break;
    case Knob::kCpusetCpus:
      add(Controller::kCpuset, "cpuset.cpus", hostfs::format_cpu_list(*after.cpuset_cpus));
      break;
    case Knob::kCpusetMems:
      add(Controller::kCpuset, "cpuset.mems", hostfs::format_cpu_list(*after.cpuset_mems));
      break;
    case Knob::kMemMin:
      add(Controller::kMemory, "memory.min", memory_text(*after.memory_min, false));
      break;
    case Knob::kMemLow:
      if (v1(Controller::kMemory)) {
        add(Controller::kMemory, "memory.soft_limit_in_bytes",
            memory_text(*after.memory_low, true));
      } else {
        add(Controller::kMemory, "memory.low", memory_text(*after.memory_low, false));
      }
      break;
    case Knob::kMemHigh:
      add(Controller::kMemory, "memory.high", memory_text(*after.memory_high, false));
      break;
    case Knob::kMemMax:
      if (v1(Controller::kMemory)) {
        add(Controller::kMemory, "memory.limit_in_bytes", memory_text(*after.memory_max, true));
      } else {
        add(Controller::kMemory, "memory.max", memory_text(*after.memory_max, false));
      }
      break;
    case Knob::kIoWeight:
      if (v1(Controller::kIo)) {
        add(Controller::kIo, "blkio.bfq.weight",
            std::to_string(io_weight_to_bfq(*after.io_weight)));
      } else if (f.io_weight_is_bfq) {
        add(Controller::kIo, "io.bfq.weight",
            "default " + std::to_string(io_weight_to_bfq(*after.io_weight)));
      } else {
        add(Controller::kIo, "io.weight", "default " + std::to_string(*after.io_weight));
      }
      break;
    case Knob::kIoLimits:
      for (const auto& l : io_changed) {
        const std::string dev = std::to_string(l.major) + ":" + std::to_string(l.minor);
        if (v1(Controller::kIo)) {
          const auto v = [](uint64_t x) { return std::to_string(x == kNoLimit ? 0 : x); };
          add(Controller::kIo, "blkio.throttle.read_bps_device", dev + " " + v(l.rbps));
          add(Controller::kIo, "blkio.throttle.write_bps_device", dev + " " + v(l.wbps));
          add(Controller::kIo, "blkio.throttle.read_iops_device", dev + " " + v(l.riops));
          add(Controller::kIo, "blkio.throttle.write_iops_device", dev + " " + v(l.wiops));
        } else {
          add(Controller::kIo, "io.max",
              dev + " rbps=" + limit_text(l.rbps) + " wbps=" + limit_text(l.wbps) +
                  " riops=" + limit_text(l.riops) + " wiops=" + limit_text(l.wiops));
        }
      }
      break;
  }
  return out;
}

// Bounds, rate limit and hysteresis for one numeric knob. `finite` values only: transitions
// to or from "max" are not rate-limited (there is no ratio to limit).
struct Shaping {
  const PlanOptions& options;
  std::vector<FieldStatus>& adjusted;
  const std::string& workload;

  uint64_t shape(const char* knob, uint64_t before, uint64_t target,
                 const std::optional<config::Range>& range) {
    double v = static_cast<double>(target);
    if (before != kNoLimit && target != kNoLimit && before > 0) {
      const double b = static_cast<double>(before);
      const double step = std::max(1.0, b * options.max_step);
      const double limited = std::clamp(v, b - step, b + step);
      if (limited != v) note(knob, "rate-limited");
      v = limited;
      if (std::fabs(v - b) < options.hysteresis * b) {
        if (v != b) note(knob, "below hysteresis, skipped");
        v = b;
      }
    }
    if (range && target != kNoLimit) {
      const double clamped = std::clamp(v, range->min, range->max);
      if (clamped != v) note(knob, "clamped to class bounds");
      v = clamped;
    } else if (range && target == kNoLimit) {
      note(knob, "clamped to class ceiling");
      v = range->max;
    }
    if (v == static_cast<double>(kNoLimit)) return kNoLimit;
    return static_cast<uint64_t>(std::llround(v));
  }

  void note(const char* knob, const char* what) {
    adjusted.push_back(FieldStatus{workload, knob, true, what});
  }
};

// The first order of `steps` whose every intermediate state breaks no rule that `before` did
// not already break.
std::optional<std::vector<Knob>> valid_order(std::vector<Knob> steps, const KnobState& before,
                                             const KnobState& after) {
  const uint32_t allowed = broken_rules(before);
  std::sort(steps.begin(), steps.end());
  do {
    KnobState s = before;
    bool ok = true;
    for (const Knob k : steps) {
      apply_knob(k, after, s);
      if ((broken_rules(s) & ~allowed) != 0) {
        ok = false;
        break;
      }
    }
    if (ok) return steps;
  } while (std::next_permutation(steps.begin(), steps.end()));
  return std::nullopt;
}

}  // namespace

Status check_kernel_rules(const KnobState& state) {
  return rules_status(broken_rules(state));
}

KnobState knobs_from_settings(const hostfs::CgroupSettings& s, const WorkloadFiles& files) {
  KnobState k;
  if (s.cpu.weight) {
    k.cpu_weight = *s.cpu.weight;
  } else if (s.cpu.shares) {
    k.cpu_weight = shares_to_weight(*s.cpu.shares);
  }
  if (s.cpu.max) {
    k.cpu_quota_us = s.cpu.max->quota_us.value_or(kNoLimit);
    k.cpu_period_us = s.cpu.max->period_us;
  }
  k.cpu_burst_us = s.cpu.burst_us;
  k.cpu_idle = s.cpu.idle;
  k.cpuset_cpus = s.cpuset.cpus;
  k.cpuset_mems = s.cpuset.mems;
  k.memory_min = s.memory.min;
  k.memory_low = s.memory.low;
  k.memory_high = s.memory.high;
  k.memory_max = s.memory.max;
  if (s.io.weight) k.io_weight = s.io.weight->default_weight;
  if (!files.dirs.get(Controller::kIo).empty()) {
    std::vector<IoDeviceLimit> limits;
    for (const auto& l : s.io.limits) {
      limits.push_back(
          IoDeviceLimit{l.device.major, l.device.minor, l.rbps, l.wbps, l.riops, l.wiops});
    }
    k.io_limits = std::move(limits);
  }
  return k;
}

Result<WorkloadPlan> plan_workload(const std::string& workload, const KnobState& before,
                                   const ResourceTargets& t, const config::ResourceBounds& bounds,
                                   const WorkloadFiles& files, const PlanOptions& options) {
  WorkloadPlan plan;
  plan.workload = workload;
  plan.before = before;
  plan.after = before;
  KnobState& after = plan.after;
  Shaping shaping{options, plan.adjusted, workload};
  const auto unavailable = [&](const char* knob) {
    plan.adjusted.push_back(FieldStatus{workload, knob, false, "not available on this host"});
  };

  if (t.cpu_weight) {
    if (before.cpu_weight) {
      after.cpu_weight =
          shaping.shape("cpu_weight", *before.cpu_weight, *t.cpu_weight, bounds.cpu_weight);
    } else {
      unavailable("cpu_weight");
    }
  }
  if (t.cpu_quota_us || t.cpu_period_us) {
    if (before.cpu_period_us) {
      const uint64_t period = t.cpu_period_us.value_or(*before.cpu_period_us);
      after.cpu_period_us = period;
      std::optional<config::Range> quota_bounds;
      if (bounds.cpu_quota_cores) {
        const double p = static_cast<double>(period);
        quota_bounds =
            config::Range{bounds.cpu_quota_cores->min * p, bounds.cpu_quota_cores->max * p};
      }
      if (t.cpu_quota_us) {
        after.cpu_quota_us =
            shaping.shape("cpu_quota", *before.cpu_quota_us, *t.cpu_quota_us, quota_bounds);
      }
    } else {
      unavailable("cpu_quota");
    }
  }
  if (t.cpu_burst_us) {
    if (before.cpu_burst_us) {
      after.cpu_burst_us = *t.cpu_burst_us;
    } else {
      unavailable("cpu_burst");
    }
  }
  if (t.cpu_idle) {
    if (before.cpu_idle) {
      after.cpu_idle = *t.cpu_idle;
    } else {
      unavailable("cpu_idle");
    }
  }
  if (t.cpuset_cpus) {
    if (before.cpuset_cpus) {
      after.cpuset_cpus = *t.cpuset_cpus;
    } else {
      unavailable("cpuset_cpus");
    }
  }
  if (t.cpuset_mems) {
    if (before.cpuset_mems) {
      after.cpuset_mems = *t.cpuset_mems;
    } else {
      unavailable("cpuset_mems");
    }
  }
  const auto memory = [&](const char* knob, const std::optional<uint64_t>& target,
                          const std::optional<uint64_t>& now, std::optional<uint64_t>& out,
                          const std::optional<config::Range>& range) {
    if (!target) return;
    if (!now) {
      unavailable(knob);
      return;
    }
    out = shaping.shape(knob, *now, *target, range);
  };
  memory("memory_min", t.memory_min_bytes, before.memory_min, after.memory_min, std::nullopt);
  memory("memory_low", t.memory_low_bytes, before.memory_low, after.memory_low,
         bounds.memory_low_bytes);
  memory("memory_high", t.memory_high_bytes, before.memory_high, after.memory_high,
         bounds.memory_high_bytes);
  memory("memory_max", t.memory_max_bytes, before.memory_max, after.memory_max, std::nullopt);
  if (t.io_weight) {
    if (before.io_weight) {
      after.io_weight =
          shaping.shape("io_weight", *before.io_weight, *t.io_weight, bounds.io_weight);
    } else {
      unavailable("io_weight");
    }
  }
  std::vector<IoDeviceLimit> io_changed;
  if (t.io_limits) {
    if (before.io_limits) {
      // Only the devices named change; others keep their limits.
      auto merged = *before.io_limits;
      std::vector<IoDeviceLimit> changed;
      for (const auto& l : *t.io_limits) {
        auto it = std::find_if(merged.begin(), merged.end(), [&](const IoDeviceLimit& m) {
          return m.major == l.major && m.minor == l.minor;
        });
        if (it != merged.end() && *it == l) continue;
        if (it == merged.end()) {
          merged.push_back(l);
        } else {
          *it = l;
        }
        changed.push_back(l);
      }
      after.io_limits = std::move(merged);  // the host's full list once the writes are done
      io_changed = std::move(changed);      // the writes: changed devices only
    } else {
      unavailable("io_limits");
    }
  }

  // A cgroup with cpu.idle=1 runs at the idle weight whatever its weight file says (the kernel
  // rejects weight writes then): a weight change is dropped while idle stays on.
  if (after.cpu_idle.value_or(false) && after.cpu_weight != before.cpu_weight) {
    after.cpu_weight = before.cpu_weight;
    plan.adjusted.push_back(FieldStatus{workload, "cpu_weight", true, "ignored while cpu.idle=1"});
  }

  const uint32_t allowed = broken_rules(before);
  if (const uint32_t broken = broken_rules(after) & ~allowed; broken != 0) {
    return rules_status(broken).error();
  }

  // Which knobs change, grouped: rule-coupled groups get a searched order.
  const bool cpu_v1 = files.version[static_cast<size_t>(Controller::kCpu)] == CgroupVersion::kV1;
  std::vector<Knob> cpu_steps, memory_steps, other_steps;
  // Leaving idle comes before the weight that is to apply once the group is not idle.
  if (after.cpu_idle != before.cpu_idle) other_steps.push_back(Knob::kCpuIdle);
  if (after.cpu_weight != before.cpu_weight) other_steps.push_back(Knob::kCpuWeight);
  if (cpu_v1) {
    if (after.cpu_quota_us != before.cpu_quota_us) cpu_steps.push_back(Knob::kCpuQuota);
    if (after.cpu_period_us != before.cpu_period_us) cpu_steps.push_back(Knob::kCpuPeriod);
  } else if (after.cpu_quota_us != before.cpu_quota_us ||
             after.cpu_period_us != before.cpu_period_us) {
    cpu_steps.push_back(Knob::kCpuMax);
  }
  if (after.cpu_burst_us != before.cpu_burst_us) cpu_steps.push_back(Knob::kCpuBurst);
  if (after.cpuset_cpus != before.cpuset_cpus) other_steps.push_back(Knob::kCpusetCpus);
  if (after.cpuset_mems != before.cpuset_mems) other_steps.push_back(Knob::kCpusetMems);
  if (after.memory_min != before.memory_min) memory_steps.push_back(Knob::kMemMin);
  if (after.memory_low != before.memory_low) memory_steps.push_back(Knob::kMemLow);
  if (after.memory_high != before.memory_high) memory_steps.push_back(Knob::kMemHigh);
  if (after.memory_max != before.memory_max) memory_steps.push_back(Knob::kMemMax);
  if (after.io_weight != before.io_weight) other_steps.push_back(Knob::kIoWeight);
  if (after.io_limits != before.io_limits) other_steps.push_back(Knob::kIoLimits);

  std::vector<Knob> order;
  for (auto* group : {&cpu_steps, &memory_steps}) {
    auto ordered = valid_order(*group, before, after);
    if (!ordered) return Error{"no write order keeps the kernel rules for " + workload};
    order.insert(order.end(), ordered->begin(), ordered->end());
  }
  order.insert(order.end(), other_steps.begin(), other_steps.end());
  for (const Knob k : order) {
    auto w = writes_for(k, after, io_changed, files);
    plan.writes.insert(plan.writes.end(), w.begin(), w.end());
  }
  if (after.cpuset_cpus != before.cpuset_cpus && before.cpuset_cpus && after.cpuset_cpus) {
    const bool shrink = std::includes(before.cpuset_cpus->begin(), before.cpuset_cpus->end(),
                                      after.cpuset_cpus->begin(), after.cpuset_cpus->end());
    plan.cpuset_direction = shrink ? -1 : 1;
  } else if (after.cpuset_mems != before.cpuset_mems) {
    plan.cpuset_direction = 1;
  }
  return plan;
}

KnobState state_after_writes(const WorkloadPlan& plan, size_t n) {
  KnobState s = plan.before;
  for (size_t i = 0; i < n && i < plan.writes.size(); ++i) {
    if (const auto k = knob_from_name(plan.writes[i].knob)) apply_knob(*k, plan.after, s);
  }
  return s;
}

}  // namespace dwae::actuator
