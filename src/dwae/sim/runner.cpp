// The loop is the agent's loop in miniature; the report is computed from the simulator's
// metrics and its final HostSample, so what it says is what a real host would have shown.
#include "dwae/sim/runner.h"

#include <algorithm>
#include <cmath>

#include "dwae/common/clock.h"
#include "dwae/policy/feedback_policy.h"
#include "dwae/policy/ppo_policy.h"
#include "dwae/policy/rule_policy.h"
#include "dwae/policy/static_policy.h"
#include "dwae/sim/sim_host.h"

namespace dwae::sim {

namespace {

// The unit a class's throughput is counted in, from its first workload.
const char* unit_of(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kBatch:
    case WorkloadKind::kNoisy:
      return "cpu-s/s";
    case WorkloadKind::kLogWriter:
    case WorkloadKind::kObjectReader:
      return "bytes/s";
    case WorkloadKind::kVideo:
      return "frames/s";
    default:
      return "requests/s";
  }
}

// "workload 'w': cpu.max: period out of range 1ms..1s; ..." for the fields the host refused
// (not those left out because another field of the same workload was refused).
std::string refused_fields(const ApplyReport& report) {
  std::string out;
  for (const auto& f : report.fields) {
    if (f.ok || f.message == kNotAppliedWithTheRest) continue;
    out += (out.empty() ? "" : "; ") + std::string("workload '") + f.workload + "'" +
           (f.field.empty() ? "" : ": " + f.field) + ": " + f.message;
  }
  return out;
}

}  // namespace

std::map<std::string, ResourceTargets> static_targets(const Scenario& scenario) {
  std::map<std::string, ResourceTargets> out;
  for (const auto& w : scenario.workloads) out[w.name] = w.settings;
  return out;
}

Result<std::unique_ptr<policy::Policy>> make_policy(const std::string& name,
                                                    const Scenario& scenario,
                                                    const std::string& model_path) {
  if (name == "static") {
    return std::unique_ptr<policy::Policy>(
        std::make_unique<policy::StaticPolicy>(static_targets(scenario)));
  }
  if (name == "rule" || name == "feedback" || name == "ppo") {
    // Adaptive policies start from the scenario's static settings, know the topology and the
    // vCPUs sold, and use the shield's default class bounds (scenarios carry no bounds).
    policy::AdaptiveSetup setup;
    setup.base = static_targets(scenario);
    setup.facts.numa_nodes = scenario.host.numa_nodes;
    setup.facts.llc_domains = scenario.host.numa_nodes;  // one LLC domain per node
    double vcpus = 0;
    for (const auto& w : scenario.workloads) vcpus += w.vcpus > 0 ? w.vcpus : w.threads;
    setup.facts.overcommit_ratio = vcpus / std::max(1.0, static_cast<double>(scenario.host.cores));
    if (name == "rule") {
      return std::unique_ptr<policy::Policy>(std::make_unique<policy::RulePolicy>(setup));
    }
    if (name == "ppo") {
      auto ppo = policy::PpoPolicy::load(setup, model_path);
      if (!ppo) {
        return Error{"policy 'ppo' needs a trained policy file at " + model_path +
                     " (models/default.policy is shipped; dwae-train writes others): " +
                     ppo.error().message};
      }
      return std::unique_ptr<policy::Policy>(std::move(*ppo));
    }
    return std::unique_ptr<policy::Policy>(std::make_unique<policy::FeedbackPolicy>(setup));
  }
  return Error{"unknown policy '" + name + "' (available: static, rule, feedback, ppo)"};
}

Result<Report> run_scenario(const Scenario& scenario, policy::Policy& policy) {
  ManualClock clock;
  SimHost host(scenario, clock);
  const auto infos = host.workloads().value();
  const Nanos end = scenario.duration;
  bool first_decision = true;
  for (Nanos t{0}; t < end;) {
    auto sample = host.sample();
    if (sample.ok()) {
      const Decision decision = policy.decide(*sample, infos);
      if (!decision.workloads.empty()) {
        const ApplyReport applied = host.apply(decision);
        // A refused field rolls back the whole workload: the run would measure a workload with
        // none of the settings the scenario gives it.
        if (first_decision && applied.workloads_failed > 0) {
          return Error{"the host refused the initial settings: " + refused_fields(applied)};
        }
        first_decision = false;
      }
    }
    t = std::min(end, t + scenario.control_period);
    host.run_until(t);
  }
  return make_report(scenario, host, policy.name());
}

Report make_report(const Scenario& scenario, SimHost& host, const std::string& policy_name) {
  const Metrics& m = host.metrics();
  const HostSample last = host.sample().value();

  Report r;
  r.scenario = scenario.name;
  r.policy = policy_name;
  r.seed = scenario.seed;
  r.simulated_seconds = m.host.elapsed_ns / 1e9;
  r.events = m.host.events;
  double local = 0, remote = 0;
  for (size_t i = 0; i < scenario.classes.size(); ++i) {
    const ClassSpec& spec = scenario.classes[i];
    const ClassMetrics& cm = m.classes[i];
    ClassReport c;
    c.name = spec.name;
    c.kind = to_string(spec.kind);
    for (const auto& w : scenario.workloads) {
      if (w.class_name == spec.name) {
        c.workloads.push_back(w.name);
        if (c.throughput_unit.empty()) c.throughput_unit = unit_of(w.kind);
      }
    }
    c.requests = cm.requests;
    c.requests_failed = cm.requests_failed;
    c.mean_ms = cm.latency.mean() / 1e6;
    c.p50_ms = cm.latency.quantile(0.5) / 1e6;
    c.p99_ms = cm.latency.quantile(0.99) / 1e6;
    c.p999_ms = cm.latency.quantile(0.999) / 1e6;
    if (cm.p99_target_ns) c.p99_target_ms = *cm.p99_target_ns / 1e6;
    // The last window, when the run ends inside a second, counts for its length.
    const double partial_s =
        std::max(0.0, r.simulated_seconds - static_cast<double>(cm.units_per_window.size()));
    uint64_t windows = cm.windows_with_requests, violating = cm.windows_violating;
    if (partial_s > 0 && cm.window.count() > 0) {
      ++windows;
      if (cm.p99_target_ns && cm.window.quantile(0.99) > *cm.p99_target_ns) ++violating;
    }
    if (windows > 0) {
      c.sla_violation_share = static_cast<double>(violating) / static_cast<double>(windows);
    }
    const uint64_t attempted = cm.requests + cm.requests_failed;
    if (attempted > 0) {
      c.requests_over_target = static_cast<double>(cm.requests_over_target + cm.requests_failed) /
                               static_cast<double>(attempted);
    }
    c.frames_total = cm.frames_total;
    c.frames_missed = cm.frames_missed;
    if (cm.frames_total > 0) {
      c.stall_rate = static_cast<double>(cm.frames_missed) / static_cast<double>(cm.frames_total);
    }
    // Throughput per second of each window, weighted by the window's length.
    const auto& units = cm.units_per_window;
    const double seconds = static_cast<double>(units.size()) + partial_s;
    if (seconds > 0) {
      const double partial_rate = partial_s > 0 ? cm.units_in_window / partial_s : 0;
      double sum = 0;
      for (const double u : units) sum += u;
      const double mean = (sum + partial_rate * partial_s) / seconds;
      double var = 0;
      for (const double u : units) var += (u - mean) * (u - mean);
      var += partial_s * (partial_rate - mean) * (partial_rate - mean);
      var /= seconds;
      c.throughput = mean;
      c.throughput_cv = mean > 0 ? std::sqrt(var) / mean : 0;
    }
    const double all = cm.local_accesses + cm.remote_accesses;
    c.cross_numa_share = all > 0 ? cm.remote_accesses / all : 0;
    local += cm.local_accesses;
    remote += cm.remote_accesses;
    r.classes.push_back(std::move(c));
  }
  HostReport& h = r.host;
  if (m.host.cpu_capacity_ns > 0) {
    h.cpu_utilisation = m.host.cpu_used_ns / m.host.cpu_capacity_ns;
    h.cpu_fragmentation = m.host.cpu_stranded_ns / m.host.cpu_capacity_ns;
  }
  if (m.host.memory_capacity_byte_ns > 0) {
    h.memory_utilisation = m.host.memory_used_byte_ns / m.host.memory_capacity_byte_ns;
    h.memory_fragmentation = m.host.memory_stranded_byte_ns / m.host.memory_capacity_byte_ns;
  }
  double vcpus = 0;
  for (const auto& w : scenario.workloads) vcpus += w.vcpus > 0 ? w.vcpus : w.threads;
  h.overcommit_ratio = vcpus / static_cast<double>(scenario.host.cores);
  h.cross_numa_share = local + remote > 0 ? remote / (local + remote) : 0;
  for (const auto& w : last.workloads) {
    h.oom_kills += w.oom_kills;
    h.throttled_periods += w.nr_throttled;
    h.net_drops += w.net_drops;
    h.net_retransmits += w.net_retransmits;
  }
  return r;
}

}  // namespace dwae::sim
