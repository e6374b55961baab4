// Metrics: per-tick bookkeeping and the text exposition.
#include "dwae/agent/metrics.h"

#include <array>
#include <cstdio>

namespace dwae::agent {
namespace {

constexpr std::array<double, 10> kDurationBounds{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,  0.05,  0.1,    0.25,  0.5};
constexpr std::array<double, 3> kQuantiles{0.5, 0.9, 0.99};

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string num(uint64_t v) {
  return std::to_string(v);
}

double seconds(uint64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

// Appends "# HELP" and "# TYPE" once per family.
void family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels,
            const std::string& value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

std::string workload_labels(const std::string& name, const std::string& cls) {
  return "workload=\"" + escape_label(name) + "\",class=\"" + escape_label(cls) + "\"";
}

}  // namespace

std::string escape_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::set_info(const std::string& policy, bool dry_run) {
  const std::lock_guard lock(mu_);
  policy_ = policy;
  dry_run_ = dry_run;
}

void Metrics::count_reload(bool ok) {
  const std::lock_guard lock(mu_);
  ++(ok ? reloads_ok_ : reloads_failed_);
}

void Metrics::observe(const TickResult& tick) {
  const std::lock_guard lock(mu_);
  ++ticks_;
  if (duration_buckets_.empty()) duration_buckets_.assign(kDurationBounds.size(), 0);
  const double d = static_cast<double>(tick.duration.count()) / 1e9;
  for (size_t i = 0; i < kDurationBounds.size(); ++i) {
    if (d <= kDurationBounds[i]) ++duration_buckets_[i];
  }
  ++duration_count_;
  duration_sum_s_ += d;
  if (!tick.ok) {
    ++tick_failures_;
    return;
  }
  // Updated in place: a tick with the same workloads as the last allocates nothing here.
  for (auto& [name, w] : workloads_) w.present = false;
  for (const auto& info : tick.workloads) {
    Workload& w = workloads_[info.name];
    w.present = true;
    w.class_name = info.class_name;
    w.p99_target = info.p99_target;
  }
  std::erase_if(workloads_, [](const auto& entry) { return !entry.second.present; });
  for (const auto& s : tick.sample.workloads) {
    auto it = workloads_.find(s.name);
    if (it == workloads_.end()) continue;
    it->second.last = s;
    it->second.runq_history.push(s.runq_delay_ns, window_ + 1);
  }
  for (const auto& wd : tick.decision.workloads) {
    if (auto it = workloads_.find(wd.workload); it != workloads_.end()) ++it->second.decisions;
  }
  decisions_[policy_] += tick.decision.workloads.size();
  rollbacks_ += tick.report.workloads_failed;
  for (const auto& f : tick.report.fields) {
    if (f.ok) {
      ++writes_;
    } else {
      ++write_errors_;
    }
  }
  for (const auto& e : tick.explanations) {
    for (const auto& g : e.guards) ++guards_[g.guard];
  }
  non_finite_outputs_ += tick.non_finite_outputs;
}

void Metrics::History::push(const Log2Histogram& h, size_t capacity) {
  if (ring_.size() < capacity) {
    ring_.push_back(h);
    next_ = ring_.size() % capacity;
    return;
  }
  ring_[next_] = h;
  next_ = (next_ + 1) % ring_.size();
}

const Log2Histogram& Metrics::History::newest() const {
  return ring_[(next_ + ring_.size() - 1) % ring_.size()];
}

const Log2Histogram& Metrics::History::oldest() const {
  return ring_[next_ % ring_.size()];
}

std::string Metrics::render() const {
  const std::lock_guard lock(mu_);
  std::string out;
  out.reserve(4096 + workloads_.size() * 3072);

  family(out, "dwae_info", "gauge", "Constant 1, labelled with the policy and the mode.");
  sample(out, "dwae_info",
         "policy=\"" + escape_label(policy_) + "\",mode=\"" + (dry_run_ ? "dry-run" : "enforce") +
             "\"",
         "1");
  family(out, "dwae_ticks_total", "counter", "Control ticks run.");
  sample(out, "dwae_ticks_total", "", num(ticks_));
  family(out, "dwae_tick_failures_total", "counter",
         "Ticks in which the host could not be sampled.");
  sample(out, "dwae_tick_failures_total", "", num(tick_failures_));
  family(out, "dwae_decisions_total", "counter", "Workload decisions made by the policy.");
  if (!decisions_.contains(policy_)) {
    sample(out, "dwae_decisions_total", "policy=\"" + escape_label(policy_) + "\"", "0");
  }
  for (const auto& [policy, count] : decisions_) {
    sample(out, "dwae_decisions_total", "policy=\"" + escape_label(policy) + "\"", num(count));
  }
  family(out, "dwae_writes_total", "counter", "Settings applied (or planned, in dry-run).");
  sample(out, "dwae_writes_total", "", num(writes_));
  family(out, "dwae_write_errors_total", "counter", "Settings that failed to apply.");
  sample(out, "dwae_write_errors_total", "", num(write_errors_));
  family(out, "dwae_rollbacks_total", "counter", "Workload transactions rolled back.");
  sample(out, "dwae_rollbacks_total", "", num(rollbacks_));
  family(out, "dwae_guard_actions_total", "counter",
         "Proposals changed by a guard of the shield (ood = fallback to feedback).");
  for (const char* g : {"nan", "floor", "ceiling", "rate-limit", "dwell", "class", "ood"}) {
    const auto it = guards_.find(g);
    sample(out, "dwae_guard_actions_total", std::string("guard=\"") + g + "\"",
           num(it == guards_.end() ? uint64_t{0} : it->second));
  }
  family(out, "dwae_policy_fallbacks_total", "counter",
         "Workload ticks decided by the feedback controller because features left the "
         "training range.");
  const auto ood = guards_.find("ood");
  sample(out, "dwae_policy_fallbacks_total", "",
         num(ood == guards_.end() ? uint64_t{0} : ood->second));
  family(out, "dwae_policy_non_finite_outputs_total", "counter",
         "Workload ticks in which the policy's model gave a non-finite (NaN) output; the shield "
         "held those settings where they were.");
  sample(out, "dwae_policy_non_finite_outputs_total", "", num(non_finite_outputs_));
  family(out, "dwae_config_reloads_total", "counter", "Config reloads (SIGHUP) by result.");
  sample(out, "dwae_config_reloads_total", "result=\"ok\"", num(reloads_ok_));
  sample(out, "dwae_config_reloads_total", "result=\"error\"", num(reloads_failed_));

  family(out, "dwae_loop_duration_seconds", "histogram", "Wall time of one control tick.");
  for (size_t i = 0; i < kDurationBounds.size(); ++i) {
    sample(out, "dwae_loop_duration_seconds_bucket", "le=\"" + num(kDurationBounds[i]) + "\"",
           num(duration_buckets_.empty() ? uint64_t{0} : duration_buckets_[i]));
  }
  sample(out, "dwae_loop_duration_seconds_bucket", "le=\"+Inf\"", num(duration_count_));
  sample(out, "dwae_loop_duration_seconds_sum", "", num(duration_sum_s_));
  sample(out, "dwae_loop_duration_seconds_count", "", num(duration_count_));

  std::map<std::string, uint64_t> per_class;
  for (const auto& [name, w] : workloads_) ++per_class[w.class_name];
  family(out, "dwae_workloads", "gauge", "Workloads managed now, by class.");
  for (const auto& [cls, n] : per_class) {
    sample(out, "dwae_workloads", "class=\"" + escape_label(cls) + "\"", num(n));
  }

  // Per-workload families: each family's samples together, as the format requires.
  const auto each = [&](const char* name, const char* type, const char* help, auto&& value) {
    family(out, name, type, help);
    for (const auto& [wname, w] : workloads_) {
      const auto v = value(w);
      if (v) sample(out, name, workload_labels(wname, w.class_name), *v);
    }
  };
  using Opt = std::optional<std::string>;
  each("dwae_workload_cpu_usage_seconds_total", "counter", "CPU time used.",
       [](const Workload& w) -> Opt { return num(seconds(w.last.cpu_usage_ns)); });
  each("dwae_workload_cpu_throttled_seconds_total", "counter", "Time throttled by CPU quota.",
       [](const Workload& w) -> Opt { return num(seconds(w.last.throttled_ns)); });
  each("dwae_workload_memory_usage_bytes", "gauge", "Memory in use.",
       [](const Workload& w) -> Opt { return num(w.last.memory_current_bytes); });
  each("dwae_workload_decisions_total", "counter", "Decisions that changed this workload.",
       [](const Workload& w) -> Opt { return num(w.decisions); });

  family(out, "dwae_workload_runqueue_delay_seconds", "summary",
         "Wait from becoming runnable to running (CPU ready time); quantiles over the last "
         "ticks, sum and count since start.");
  for (const auto& [wname, w] : workloads_) {
    if (!w.last.has_runq_delay) continue;
    const std::string labels = workload_labels(wname, w.class_name);
    const Log2Histogram recent =
        w.runq_history.empty()
            ? Log2Histogram{}
            : Log2Histogram::delta(w.runq_history.newest(), w.runq_history.oldest());
    for (const double q : kQuantiles) {
      sample(out, "dwae_workload_runqueue_delay_seconds", labels + ",quantile=\"" + num(q) + "\"",
             num(recent.quantile(q) / 1e9));
    }
    sample(out, "dwae_workload_runqueue_delay_seconds_sum", labels,
           num(seconds(w.last.runq_delay_total_ns)));
    sample(out, "dwae_workload_runqueue_delay_seconds_count", labels,
           num(w.last.runq_delay_ns.total()));
  }

  family(out, "dwae_workload_pressure_stalled_seconds_total", "counter",
         "PSI: time some (or all) of the workload's tasks stalled on a resource.");
  for (const auto& [wname, w] : workloads_) {
    if (!w.last.has_psi) continue;
    const std::string labels = workload_labels(wname, w.class_name);
    const PressureTotals& p = w.last.psi;
    const std::array<std::pair<const char*, uint64_t>, 6> rows{
        {{"resource=\"cpu\",kind=\"some\"", p.cpu_some_us},
         {"resource=\"cpu\",kind=\"full\"", p.cpu_full_us},
         {"resource=\"memory\",kind=\"some\"", p.memory_some_us},
         {"resource=\"memory\",kind=\"full\"", p.memory_full_us},
         {"resource=\"io\",kind=\"some\"", p.io_some_us},
         {"resource=\"io\",kind=\"full\"", p.io_full_us}}};
    for (const auto& [extra, us] : rows) {
      sample(out, "dwae_workload_pressure_stalled_seconds_total", labels + "," + extra,
             num(static_cast<double>(us) / 1e6));
    }
  }

  each("dwae_workload_cpu_weight", "gauge", "Applied CPU weight (cgroup v2 scale 1..10000).",
       [](const Workload& w) -> Opt {
         return w.last.applied.cpu_weight ? Opt{num(uint64_t{*w.last.applied.cpu_weight})}
                                          : std::nullopt;
       });
  each("dwae_workload_cpu_idle", "gauge", "1 when the workload runs as SCHED_IDLE (cpu.idle).",
       [](const Workload& w) -> Opt {
         return w.last.applied.cpu_idle ? Opt{*w.last.applied.cpu_idle ? "1" : "0"} : std::nullopt;
       });
  each("dwae_workload_cpu_quota_cores", "gauge", "Applied CPU quota in CPUs (absent: no limit).",
       [](const Workload& w) -> Opt {
         const auto& a = w.last.applied;
         if (!a.cpu_quota_us || *a.cpu_quota_us == kNoLimit || !a.cpu_period_us ||
             *a.cpu_period_us == 0) {
           return std::nullopt;
         }
         return num(static_cast<double>(*a.cpu_quota_us) / static_cast<double>(*a.cpu_period_us));
       });
  each("dwae_workload_memory_low_bytes", "gauge", "Applied memory.low (protection).",
       [](const Workload& w) -> Opt {
         const auto& v = w.last.applied.memory_low_bytes;
         return v && *v != kNoLimit ? Opt{num(*v)} : std::nullopt;
       });
  each("dwae_workload_memory_high_bytes", "gauge", "Applied memory.high (absent: no limit).",
       [](const Workload& w) -> Opt {
         const auto& v = w.last.applied.memory_high_bytes;
         return v && *v != kNoLimit ? Opt{num(*v)} : std::nullopt;
       });
  each("dwae_workload_io_weight", "gauge", "Applied I/O weight (v2 scale 1..10000).",
       [](const Workload& w) -> Opt {
         return w.last.applied.io_weight ? Opt{num(uint64_t{*w.last.applied.io_weight})}
                                         : std::nullopt;
       });
  each("dwae_workload_sla_p99_target_seconds", "gauge",
       "The class's P99 latency target (latency-sensitive classes).", [](const Workload& w) -> Opt {
         return w.p99_target ? Opt{num(static_cast<double>(w.p99_target->count()) / 1e9)}
                             : std::nullopt;
       });
  return out;
}

}  // namespace dwae::agent
