// ControlLoop: one tick is discover -> sample -> decide (features, policy, shield) -> apply.
// It sees only interfaces (HostSource, Actuator, Policy, Clock), so the same loop runs on a
// real host and on the simulated host. Pacing (sleeping until the next period) is the
// caller's: the agent sleeps on a real clock, the simulator advances a manual one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dwae/common/clock.h"
#include "dwae/host/host.h"
#include "dwae/policy/explanation.h"
#include "dwae/policy/policy.h"

namespace dwae::agent {

struct TickResult {
  Nanos started{0};
  Nanos duration{0};  // wall time of the tick on the loop's clock
  bool ok = false;    // false: the host could not be sampled (error says why); nothing applied
  std::string error;
  std::vector<WorkloadInfo> workloads;
  HostSample sample;
  Decision decision;
  ApplyReport report;
  bool applied = false;  // the actuator ran this tick (the decision was not empty)
  // Explanations of the decision when the policy gives them (adaptive policies); else empty.
  std::vector<policy::WorkloadExplanation> explanations;
  // Workloads whose model output was not finite this tick (held by the shield). Counted per
  // tick, not read from the policy as a total, so that a policy replaced by a reload (whose
  // count starts again at 0) never makes the agent's counter go back.
  uint64_t non_finite_outputs = 0;
};

class ControlLoop {
 public:
  // Called after discovery with the workloads present, before the decision is applied (the
  // agent tells its actuator about new directories here).
  using WorkloadsHook = std::function<void(const std::vector<WorkloadInfo>&)>;

  ControlLoop(HostSource& source, Actuator& actuator, policy::Policy& policy, const Clock& clock)
      : source_(&source), actuator_(&actuator), policy_(&policy), clock_(&clock) {}

  void set_policy(policy::Policy& policy) { policy_ = &policy; }
  policy::Policy& policy() const { return *policy_; }
  void on_workloads(WorkloadsHook hook) { hook_ = std::move(hook); }

  // One tick. Never throws; a failed sample is reported and the next tick tries again.
  TickResult tick();
  uint64_t ticks() const { return ticks_; }

 private:
  HostSource* source_;
  Actuator* actuator_;
  policy::Policy* policy_;
  const Clock* clock_;
  WorkloadsHook hook_;
  uint64_t ticks_ = 0;
};

}  // namespace dwae::agent
