// Shield guards, in order per field: non-finite -> hold; class floor/ceiling; rate limit from
// the applied value (itself first clamped to the bounds, so bounds win over the rate limit
// when a workload starts outside them).
#include "dwae/policy/shield.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace dwae::policy {

namespace {

// "from -> to" with the shortest round-trip spelling of each number; std::to_chars, because
// this runs for every guarded field every tick and stream formatting would dominate decide().
std::string describe(double from, double to) {
  char buf[80];
  char* p = std::to_chars(buf, buf + 32, from).ptr;
  const char arrow[] = " -> ";
  p = std::copy(arrow, arrow + 4, p);
  p = std::to_chars(p, buf + sizeof buf, to).ptr;
  return std::string(buf, p);
}

// One numeric field through the guards. Returns the guarded value; `integral` rounds it to a
// whole number without leaving the bounds or the step.
double guard_value(double proposed, double applied, Bounds b, double max_step, double min_step,
                   bool integral, const char* field, std::vector<GuardAction>& guards) {
  const double ref = std::clamp(applied, b.min, b.max);
  if (!std::isfinite(proposed)) {
    guards.push_back({"nan", field, "non-finite proposal; held at " + describe(ref, ref)});
    return ref;
  }
  double v = proposed;
  if (v < b.min) {
    guards.push_back({"floor", field, describe(proposed, b.min)});
    v = b.min;
  } else if (v > b.max) {
    guards.push_back({"ceiling", field, describe(proposed, b.max)});
    v = b.max;
  }
  const double step = std::max(max_step * ref, min_step);
  const double lo = std::max(b.min, ref - step);
  const double hi = std::min(b.max, ref + step);
  if (v < lo || v > hi) {
    const double limited = std::clamp(v, lo, hi);
    guards.push_back({"rate-limit", field, describe(v, limited)});
    v = limited;
  }
  if (integral) {
    double r = std::round(v);
    if (r < lo) r = std::ceil(lo);
    if (r > hi) r = std::floor(hi);
    v = r;
  }
  return v;
}

}  // namespace

const ClassLimits& ShieldConfig::limits(WorkloadClassKind kind) const {
  switch (kind) {
    case WorkloadClassKind::kLatencySensitive:
      return latency_sensitive;
    case WorkloadClassKind::kThroughput:
      return throughput;
    case WorkloadClassKind::kBestEffort:
      return best_effort;
  }
  return best_effort;
}

double applied_weight(const std::optional<uint32_t>& applied) {
  return applied ? static_cast<double>(*applied) : 100.0;
}

ShieldResult Shield::apply(const WorkloadInfo& info, const ResourceTargets& applied,
                           uint64_t memory_total_bytes, Nanos now, const Proposal& proposal) {
  ShieldResult out;
  out.targets = apply(info, applied, memory_total_bytes, now, proposal, out.guards);
  return out;
}

ResourceTargets Shield::apply(const WorkloadInfo& info, const ResourceTargets& applied,
                              uint64_t memory_total_bytes, Nanos now, const Proposal& proposal,
                              std::vector<GuardAction>& guards) {
  ResourceTargets out;
  const ClassLimits& limits = config_.limits(info.class_kind);
  // Weights are whole numbers in 1..10000 whatever the configuration says.
  auto weight_bounds = [](Bounds b) {
    const double lo = std::clamp(std::ceil(b.min), 1.0, 10000.0);
    return Bounds{lo, std::clamp(std::floor(b.max), lo, 10000.0)};
  };
  const double max_step = std::isfinite(config_.max_step) ? std::max(0.0, config_.max_step) : 0;
  if (proposal.cpu_weight) {
    out.cpu_weight = static_cast<uint32_t>(guard_value(
        *proposal.cpu_weight, applied_weight(applied.cpu_weight), weight_bounds(limits.cpu_weight),
        max_step, config_.min_weight_step, true, "cpu.weight", guards));
  }
  if (proposal.io_weight) {
    out.io_weight = static_cast<uint32_t>(guard_value(
        *proposal.io_weight, applied_weight(applied.io_weight), weight_bounds(limits.io_weight),
        max_step, config_.min_weight_step, true, "io.weight", guards));
  }
  if (proposal.memory_low_bytes) {
    double hi = static_cast<double>(memory_total_bytes) * config_.memory_low_max_host_share;
    if (!std::isfinite(hi) || hi < 0) hi = 0;
    if (applied.memory_high_bytes && *applied.memory_high_bytes != kNoLimit) {
      hi = std::min(hi, static_cast<double>(*applied.memory_high_bytes));
    }
    const double current = static_cast<double>(applied.memory_low_bytes.value_or(0));
    out.memory_low_bytes = static_cast<uint64_t>(
        guard_value(*proposal.memory_low_bytes, current, Bounds{0, hi}, max_step,
                    config_.min_memory_step_bytes, true, "memory.low", guards));
  }
  if (proposal.cpu_idle) {
    bool idle = *proposal.cpu_idle;
    if (idle && !limits.may_idle) {
      guards.push_back({"class", "cpu.idle", "class may not be idle"});
      idle = false;
    }
    const bool was = applied.cpu_idle.value_or(false);
    // The class rule wins over the dwell time, as bounds win over rate limits.
    if (idle != was) {
      const auto last = last_idle_flip_.find(info.name);
      if (limits.may_idle && last != last_idle_flip_.end() &&
          now - last->second < config_.idle_dwell) {
        guards.push_back({"dwell", "cpu.idle", "flipped too recently; held"});
        idle = was;
      } else {
        last_idle_flip_[info.name] = now;
      }
    }
    out.cpu_idle = idle;
  }
  return out;
}

}  // namespace dwae::policy
