// Feedback policy: controllers first (one per latency-sensitive workload), then the pressure
// they report is turned into weights for everyone else.
#include "dwae/policy/feedback_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace dwae::policy {

using features::Feature;

namespace {

// Appends `v` as an ostream with default settings writes it (printf "%g": 6 significant
// digits), without building a stream for every workload every tick.
void append_number(std::string& out, double v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6).ptr;
  out.append(buf, end);
}

}  // namespace

FeedbackPolicy::FeedbackPolicy(AdaptiveSetup setup, FeedbackConfig config)
    : AdaptivePolicy(std::move(setup)), config_(config) {}

std::vector<AdaptivePolicy::Proposed> FeedbackPolicy::propose(const Entries& entries,
                                                              const features::HostContext& /*host*/,
                                                              Nanos now) {
  std::vector<Proposed> out;
  out.reserve(entries.size());
  double pressure = 0;
  std::string pressed_by;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const WorkloadInfo& info = *e.info;
    if (info.class_kind != WorkloadClassKind::kLatencySensitive) continue;
    const double budget_ns =
        info.p99_target ? static_cast<double>(info.p99_target->count()) * config_.runq_budget_share
                        : static_cast<double>(config_.default_runq_budget.count());
    const double signal =
        std::max(e.tick.runq_p99_ns / budget_ns, e.tick.psi_cpu_some / config_.psi_budget);
    double error = std::isfinite(signal) ? signal - 1.0 : 0.0;
    error = std::clamp(error, -1.0, config_.max_error);

    ControllerState& c = controllers_[info.name];
    const double dt_s =
        c.last_at.count() > 0 ? static_cast<double>((now - c.last_at).count()) / 1e9 : 0.2;
    const double step = (error >= 0 ? error : error * config_.release) * dt_s;
    const double derivative = dt_s > 0 ? (error - c.last_error) / dt_s : 0;
    const double proportional = config_.kp * error;
    // Anti-windup: the integral is clamped, and it does not grow while the output is already
    // saturated in the direction it would push.
    const bool saturated_high = c.output >= config_.max_output && step > 0;
    const bool saturated_low = c.output <= 0 && step < 0 && config_.ki * c.integral <= 0;
    if (!saturated_high && !saturated_low && config_.ki > 0) {
      c.integral = std::clamp(c.integral + step, 0.0, config_.max_integral / config_.ki);
    }
    const double u = proportional + config_.ki * c.integral + config_.kd * derivative;
    c.output = std::isfinite(u) ? std::clamp(u, 0.0, config_.max_output) : 0.0;
    c.last_error = error;
    c.last_at = now;

    const double level = config_.max_output > 0 ? c.output / config_.max_output : 0;
    if (level > pressure) {
      pressure = level;
      pressed_by = info.name;
    }
    Proposed p;
    p.workload = info.name;
    p.entry = i;
    p.proposal.cpu_weight = base_weight(info.name) * std::exp2(c.output);
    p.reason.reserve(80);
    p.reason = "PI controller: signal ";
    append_number(p.reason, signal);
    p.reason += " x budget, error ";
    append_number(p.reason, error);
    p.reason += ", output ";
    append_number(p.reason, c.output);
    p.mattered = {Feature::kRunqP99, Feature::kPsiCpuSome, Feature::kRunqP99Trend};
    out.push_back(std::move(p));
  }
  const double tp_pressure =
      config_.tp_from < 1 ? std::max(0.0, (pressure - config_.tp_from) / (1 - config_.tp_from))
                          : 0.0;
  // The words common to every workload that yields, formatted once.
  std::string pressure_words = "latency-sensitive pressure ";
  append_number(pressure_words, pressure);
  if (!pressed_by.empty()) pressure_words += " (from " + pressed_by + ")";
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const WorkloadInfo& info = *e.info;
    if (info.class_kind == WorkloadClassKind::kLatencySensitive) continue;
    Proposed p;
    p.workload = info.name;
    p.entry = i;
    p.reason.reserve(pressure_words.size() + 40);
    p.reason = pressure_words;
    if (info.class_kind == WorkloadClassKind::kBestEffort) {
      p.proposal.cpu_weight = base_weight(info.name) * std::exp2(-config_.be_gain * pressure);
      p.proposal.cpu_idle = pressure >= config_.be_idle_at;
      p.reason += ": best-effort yields first";
    } else {
      p.proposal.cpu_weight = base_weight(info.name) * std::exp2(-config_.tp_gain * tp_pressure);
      p.reason += ": throughput yields above ";
      append_number(p.reason, config_.tp_from);
    }
    p.mattered = {Feature::kHostDemandOverCapacity, Feature::kCpuUse};
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace dwae::policy
