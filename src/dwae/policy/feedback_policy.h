// Feedback policy: a PI(D) controller per latency-sensitive workload on its latency signal
// (run-queue delay P99 against a budget, and PSI cpu some). The controller output raises the
// workload's cpu.weight; the largest output ("pressure") takes CPU from best-effort workloads
// first and from throughput workloads only when the pressure stays high. Gains and their
// reasoning are in docs/policies.md.
#pragma once

#include <map>
#include <string>

#include "dwae/policy/adaptive_policy.h"

namespace dwae::policy {

struct FeedbackConfig {
  // Latency signal = max(runq P99 / budget, PSI cpu some / psi_budget); error = signal - 1,
  // clamped to [-1, max_error] so one terrible tick does not dominate.
  double runq_budget_share = 0.1;  // budget = this x the class P99 target
  Nanos default_runq_budget{1'000'000};
  double psi_budget = 0.1;
  double max_error = 4;
  // u = kp * e + ki * integral(e dt) + kd * de/dt, u clamped to [0, max_output];
  // cpu.weight of the workload = base x 2^u.
  double kp = 0.5;
  double ki = 1.0;        // per second
  double kd = 0.0;        // seconds; off by default: the signal is noisy at 200 ms
  double release = 0.2;   // negative errors integrate this much slower (hold gains, release slowly)
  double max_output = 5;  // 2^5 = 32x the base weight
  double max_integral = 5;  // anti-windup: |ki x integral| <= this
  // Pressure P = max over latency-sensitive u / max_output, in [0, 1]:
  // best-effort weight = base x 2^(-be_gain P), cpu.idle when P >= be_idle_at;
  // throughput weight = base x 2^(-tp_gain max(0, (P - tp_from) / (1 - tp_from))).
  double be_gain = 7;
  double be_idle_at = 0.4;
  double tp_gain = 3.3;
  double tp_from = 0.5;
};

class FeedbackPolicy final : public AdaptivePolicy {
 public:
  FeedbackPolicy(AdaptiveSetup setup, FeedbackConfig config = {});
  const char* name() const override { return "feedback"; }

  struct ControllerState {
    double integral = 0;  // of the error, in seconds
    double last_error = 0;
    double output = 0;
    Nanos last_at{0};
  };
  const std::map<std::string, ControllerState>& controllers() const { return controllers_; }

 private:
  std::vector<Proposed> propose(const Entries& entries, const features::HostContext& host,
                                Nanos now) override;
  // PPO falls back to this controller for workloads outside its training range.
  friend class PpoPolicy;
  FeedbackConfig config_;
  std::map<std::string, ControllerState> controllers_;
};

}  // namespace dwae::policy
