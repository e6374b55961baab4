// ControlLoop: the tick.
#include "dwae/agent/control_loop.h"

#include "dwae/policy/adaptive_policy.h"

namespace dwae::agent {

TickResult ControlLoop::tick() {
  ++ticks_;
  TickResult r;
  r.started = clock_->now();
  const auto fail = [&](const char* step, const Error& e) {
    r.error = std::string(step) + ": " + e.message;
    r.duration = clock_->now() - r.started;
    return std::move(r);
  };
  auto workloads = source_->workloads();
  if (!workloads) return fail("discovery", workloads.error());
  r.workloads = std::move(*workloads);
  if (hook_) hook_(r.workloads);
  auto sample = source_->sample();
  if (!sample) return fail("sample", sample.error());
  r.sample = std::move(*sample);
  const uint64_t non_finite_before = policy_->non_finite_outputs();
  r.decision = policy_->decide(r.sample, r.workloads);
  r.non_finite_outputs = policy_->non_finite_outputs() - non_finite_before;
  if (const auto* adaptive = dynamic_cast<const policy::AdaptivePolicy*>(policy_)) {
    r.explanations = adaptive->last().explanations;
  }
  if (!r.decision.workloads.empty()) {
    r.report = actuator_->apply(r.decision);
    r.applied = true;
  }
  r.ok = true;
  r.duration = clock_->now() - r.started;
  return r;
}

}  // namespace dwae::agent
