// Every term is a difference of the simulator's cumulative counters between two ticks, so the
// reward of a tick is what happened in that tick, measured as the report measures it.
#include "dwae/train/reward.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <utility>

namespace dwae::train {

namespace {

struct WeightField {
  const char* name;
  double RewardWeights::*field;
};
constexpr WeightField kWeightFields[] = {
    {"tail", &RewardWeights::tail},
    {"sla", &RewardWeights::sla},
    {"stall", &RewardWeights::stall},
    {"cv", &RewardWeights::cv},
    {"fragmentation", &RewardWeights::fragmentation},
    {"utilisation", &RewardWeights::utilisation},
    {"overcommit", &RewardWeights::overcommit},
    {"change", &RewardWeights::change},
    {"change_size", &RewardWeights::change_size},
};

double excess(double value, double limit) {
  return std::max(0.0, value - limit);
}

double log_ratio(double now, double before) {
  if (now <= 0 || before <= 0) return now == before ? 0.0 : 1.0;
  return std::abs(std::log(now / before));
}

}  // namespace

Result<RewardWeights> parse_reward_weights(const std::string& text, RewardWeights base) {
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) return Error{"reward weight '" + item + "': expected NAME=NUMBER"};
    const std::string name = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    double v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(v) || v < 0) {
      std::string message = "reward weight '";
      message += name;
      message += "': '";
      message += value;
      message += "' is not a number >= 0";
      return Error{message};
    }
    bool found = false;
    for (const auto& f : kWeightFields) {
      if (name == f.name) {
        base.*f.field = v;
        found = true;
      }
    }
    if (!found) {
      std::string names;
      for (const auto& f : kWeightFields) names += std::string(names.empty() ? "" : ", ") + f.name;
      std::string message = "unknown reward weight '";
      message += name;
      message += "' (known: ";
      message += names;
      message += ")";
      return Error{message};
    }
  }
  return base;
}

std::string format_reward_weights(const RewardWeights& w) {
  std::string out;
  for (const auto& f : kWeightFields) {
    std::ostringstream v;
    v << w.*f.field;
    out += std::string(out.empty() ? "" : ",") + f.name + "=" + v.str();
  }
  return out;
}

RewardTerms& RewardTerms::operator+=(const RewardTerms& o) {
  tail += o.tail;
  sla += o.sla;
  stall += o.stall;
  cv += o.cv;
  fragmentation += o.fragmentation;
  utilisation += o.utilisation;
  overcommit += o.overcommit;
  changes += o.changes;
  change_size += o.change_size;
  return *this;
}

RewardTerms RewardTerms::scaled(double k) const {
  RewardTerms t = *this;
  t.tail *= k;
  t.sla *= k;
  t.stall *= k;
  t.cv *= k;
  t.fragmentation *= k;
  t.utilisation *= k;
  t.overcommit *= k;
  t.changes *= k;
  t.change_size *= k;
  return t;
}

double combine(const RewardTerms& t, const RewardWeights& w) {
  return -w.tail * t.tail - w.sla * t.sla - w.stall * t.stall - w.cv * t.cv -
         w.fragmentation * t.fragmentation + w.utilisation * t.utilisation +
         w.overcommit * t.overcommit - w.change * t.changes - w.change_size * t.change_size;
}

RewardMeter::RewardMeter(const sim::Scenario& scenario, const RewardWeights& weights)
    : weights_(weights) {
  double vcpus = 0;
  for (const auto& w : scenario.workloads) vcpus += w.vcpus > 0 ? w.vcpus : w.threads;
  overcommit_ = vcpus / std::max(1.0, static_cast<double>(scenario.host.cores));
  for (const auto& c : scenario.classes) {
    ClassState s;
    s.kind = c.kind;
    s.has_target = c.p99_target.has_value();
    s.cv_target = c.throughput_cv_target.value_or(weights.cv_target);
    for (const auto& w : scenario.workloads) {
      if (w.class_name == c.name && w.kind == sim::WorkloadKind::kVideo) s.has_frames = true;
    }
    classes_.push_back(s);
  }
}

RewardTerms RewardMeter::measure(const sim::Metrics& metrics) {
  RewardTerms t;
  const RewardWeights& w = weights_;
  size_t tail_classes = 0, stall_classes = 0, cv_classes = 0;
  bool all_within = true;
  for (size_t i = 0; i < classes_.size() && i < metrics.classes.size(); ++i) {
    ClassState& s = classes_[i];
    const sim::ClassMetrics& m = metrics.classes[i];
    const uint64_t requests = m.requests - s.requests;
    const uint64_t over = m.requests_over_target - s.over;
    const uint64_t failed = m.requests_failed - s.failed;
    const uint64_t violating = m.windows_violating - s.violating;
    const uint64_t frames = m.frames_total - s.frames;
    const uint64_t missed = m.frames_missed - s.missed;
    s.requests = m.requests;
    s.over = m.requests_over_target;
    s.failed = m.requests_failed;
    s.violating = m.windows_violating;
    s.frames = m.frames_total;
    s.missed = m.frames_missed;

    if (s.kind == WorkloadClassKind::kLatencySensitive && s.has_target) {
      ++tail_classes;
      const uint64_t attempted = requests + failed;
      const double share =
          attempted > 0 ? static_cast<double>(over + failed) / static_cast<double>(attempted) : 0.0;
      if (share > w.tail_share) all_within = false;
      t.tail += std::min(3.0, excess(share, w.tail_share) * 10.0);
      t.sla += static_cast<double>(violating);
    }
    if (s.has_frames) {
      ++stall_classes;
      const double share =
          frames > 0 ? static_cast<double>(missed) / static_cast<double>(frames) : 0.0;
      t.stall += std::min(3.0, excess(share, w.stall_share) * 10.0);
    }
    if (s.kind == WorkloadClassKind::kThroughput && !m.units_per_window.empty()) {
      ++cv_classes;
      const size_t n = std::min(w.cv_windows, m.units_per_window.size());
      const auto first = m.units_per_window.end() - static_cast<std::ptrdiff_t>(n);
      double sum = 0, sq = 0;
      for (auto it = first; it != m.units_per_window.end(); ++it) sum += *it;
      const double mean = sum / static_cast<double>(n);
      for (auto it = first; it != m.units_per_window.end(); ++it) sq += (*it - mean) * (*it - mean);
      const double cv = mean > 0 ? std::sqrt(sq / static_cast<double>(n)) / mean : 0.0;
      t.cv += std::min(2.0, excess(cv, s.cv_target) / s.cv_target);
    }
  }
  if (tail_classes > 0) {
    t.tail /= static_cast<double>(tail_classes);
    t.sla /= static_cast<double>(tail_classes);
  }
  if (stall_classes > 0) t.stall /= static_cast<double>(stall_classes);
  if (cv_classes > 0) t.cv /= static_cast<double>(cv_classes);

  const sim::HostMetrics& h = metrics.host;
  const double cpu_capacity = h.cpu_capacity_ns - host_.cpu_capacity_ns;
  const double memory_capacity = h.memory_capacity_byte_ns - host_.memory_capacity_byte_ns;
  if (cpu_capacity > 0) {
    t.utilisation = (h.cpu_used_ns - host_.cpu_used_ns) / cpu_capacity;
    t.fragmentation +=
        excess((h.cpu_stranded_ns - host_.cpu_stranded_ns) / cpu_capacity, w.fragmentation_limit);
  }
  if (memory_capacity > 0) {
    t.fragmentation +=
        excess((h.memory_stranded_byte_ns - host_.memory_stranded_byte_ns) / memory_capacity,
               w.fragmentation_limit);
  }
  host_ = h;
  if (all_within) t.overcommit = std::min(1.0, overcommit_ / w.overcommit_goal);
  return t;
}

void RewardMeter::count_changes(const Decision& decision, const HostSample& before,
                                size_t workloads, RewardTerms& terms) {
  double changes = 0, size = 0;
  for (const auto& d : decision.workloads) {
    const auto it = std::find_if(before.workloads.begin(), before.workloads.end(),
                                 [&](const WorkloadSample& s) { return s.name == d.workload; });
    if (it == before.workloads.end()) continue;
    const ResourceTargets& applied = it->applied;
    if (d.targets.cpu_weight) {
      changes += 1;
      size += log_ratio(*d.targets.cpu_weight, applied.cpu_weight.value_or(100));
    }
    if (d.targets.io_weight) {
      changes += 1;
      size += log_ratio(*d.targets.io_weight, applied.io_weight.value_or(100));
    }
    if (d.targets.memory_low_bytes) {
      changes += 1;
      size += log_ratio(static_cast<double>(*d.targets.memory_low_bytes),
                        static_cast<double>(applied.memory_low_bytes.value_or(0)));
    }
    if (d.targets.cpu_idle) changes += 1;
  }
  const double n = static_cast<double>(std::max<size_t>(1, workloads));
  terms.changes += changes / n;
  terms.change_size += size / n;
}

}  // namespace dwae::train
