// decide(): base settings for new workloads; features; the policy's proposals; the shield;
// only fields that differ from what is applied go into the decision.
#include "dwae/policy/adaptive_policy.h"

#include <utility>

namespace dwae::policy {

AdaptivePolicy::AdaptivePolicy(AdaptiveSetup setup)
    : setup_(std::move(setup)), tracker_(setup_.facts), shield_(setup_.shield) {
  for (const auto& [workload, targets] : setup_.base) {
    base_weights_.emplace(workload, applied_weight(targets.cpu_weight));
  }
}

double AdaptivePolicy::base_weight(const std::string& workload) const {
  const auto it = base_weights_.find(workload);
  return it == base_weights_.end() ? 100.0 : it->second;
}

WorkloadDecision& AdaptivePolicy::next_decision() {
  auto& all = last_.decision.workloads;
  if (decisions_ == all.size()) all.emplace_back();
  return all[decisions_++];
}

WorkloadExplanation& AdaptivePolicy::next_explanation() {
  auto& all = last_.explanations;
  if (explanations_ == all.size()) all.emplace_back();
  return all[explanations_++];
}

const features::FeatureTracker::Entry* AdaptivePolicy::entry_of(const Proposed& p, size_t i) {
  if (p.entry < entries_.size() && entries_[p.entry].info->name == p.workload) {
    return &entries_[p.entry];
  }
  // Policies usually propose in entry order: try the same index, then look the name up.
  if (i < entries_.size() && entries_[i].info->name == p.workload) return &entries_[i];
  if (!entry_index_built_) {
    entry_index_.clear();
    for (size_t k = 0; k < entries_.size(); ++k) entry_index_.emplace(entries_[k].info->name, k);
    entry_index_built_ = true;
  }
  const auto found = entry_index_.find(p.workload);
  return found == entry_index_.end() ? nullptr : &entries_[found->second];
}

Decision AdaptivePolicy::decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) {
  // last_ keeps its strings and vectors from tick to tick; only the counts start again.
  last_.decision.at = now.at;
  decisions_ = 0;
  explanations_ = 0;
  entry_index_built_ = false;
  tracker_.update(now, workloads, entries_);
  for (const auto& info : workloads) {
    if (seen_.count(info.name) > 0) continue;
    seen_.insert(info.name);
    const auto it = setup_.base.find(info.name);
    if (it == setup_.base.end()) continue;
    WorkloadDecision& d = next_decision();
    d.workload = info.name;
    d.targets = it->second;
    WorkloadExplanation& why = next_explanation();
    why.workload = info.name;
    why.policy = name();
    why.reason = "configured settings";
    why.features.clear();
    why.guards.clear();
  }
  if (!entries_.empty()) {
    auto proposals = propose(entries_, tracker_.host(), now.at);
    for (size_t i = 0; i < proposals.size(); ++i) {
      Proposed& p = proposals[i];
      const auto* e = entry_of(p, i);
      if (e == nullptr) continue;
      const ResourceTargets& applied = e->sample->applied;
      // The policy's own guards come before the shield's.
      guards_.clear();
      for (auto& g : p.guards) guards_.push_back(std::move(g));
      ResourceTargets t =
          shield_.apply(*e->info, applied, now.memory_total_bytes, now.at, p.proposal, guards_);
      // Unchanged fields are left out: the decision says only what moves.
      if (t.cpu_weight &&
          *t.cpu_weight == static_cast<uint32_t>(applied_weight(applied.cpu_weight)))
        t.cpu_weight.reset();
      if (t.io_weight && *t.io_weight == static_cast<uint32_t>(applied_weight(applied.io_weight)))
        t.io_weight.reset();
      if (t.cpu_idle && *t.cpu_idle == applied.cpu_idle.value_or(false)) t.cpu_idle.reset();
      if (t.memory_low_bytes && *t.memory_low_bytes == applied.memory_low_bytes.value_or(0))
        t.memory_low_bytes.reset();
      if (t == ResourceTargets{}) continue;
      WorkloadDecision& d = next_decision();
      d.workload = p.workload;
      d.targets = std::move(t);
      WorkloadExplanation& why = next_explanation();
      why.workload = p.workload;
      why.policy = name();
      why.reason.swap(p.reason);
      why.features.resize(p.mattered.size());
      for (size_t k = 0; k < p.mattered.size(); ++k) {
        why.features[k].feature = feature_name(p.mattered[k]);
        why.features[k].value = get(e->features, p.mattered[k]);
      }
      why.guards = guards_;  // copied into the strings already there
    }
  }
  last_.decision.workloads.resize(decisions_);
  last_.explanations.resize(explanations_);
  return last_.decision;
}

}  // namespace dwae::policy
