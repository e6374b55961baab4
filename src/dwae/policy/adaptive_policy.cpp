// decide(): base settings for new workloads; features; the policy's proposals; the shield;
// only fields that differ from what is applied go into the decision.
#include "dwae/policy/adaptive_policy.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace dwae::policy {

AdaptivePolicy::AdaptivePolicy(AdaptiveSetup setup)
    : setup_(std::move(setup)), tracker_(setup_.facts), shield_(setup_.shield) {}

double AdaptivePolicy::base_weight(const std::string& workload) const {
  const auto it = setup_.base.find(workload);
  return it == setup_.base.end() ? 100.0 : applied_weight(it->second.cpu_weight);
}

Decision AdaptivePolicy::decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) {
  last_ = ExplainedDecision{};
  last_.decision.at = now.at;
  const auto entries = tracker_.update(now, workloads);
  for (const auto& info : workloads) {
    if (!seen_.insert(info.name).second) continue;
    const auto it = setup_.base.find(info.name);
    if (it == setup_.base.end()) continue;
    last_.decision.workloads.push_back({info.name, it->second});
    last_.explanations.push_back({info.name, name(), "configured settings", {}, {}});
  }
  if (entries.empty()) return last_.decision;
  auto proposals = propose(entries, tracker_.host(), now.at);
  for (size_t i = 0; i < proposals.size(); ++i) {
    Proposed& p = proposals[i];
    // Policies usually propose in entry order: try the same index first (1,000 workloads would
    // otherwise cost a quadratic name search per tick).
    auto e = i < entries.size() && entries[i].info->name == p.workload
                 ? entries.begin() + static_cast<std::ptrdiff_t>(i)
                 : std::find_if(entries.begin(), entries.end(),
                                [&](const auto& x) { return x.info->name == p.workload; });
    if (e == entries.end()) continue;
    const ResourceTargets& applied = e->sample->applied;
    ShieldResult shielded =
        shield_.apply(*e->info, applied, now.memory_total_bytes, now.at, p.proposal);
    ResourceTargets& t = shielded.targets;
    // Unchanged fields are left out: the decision says only what moves.
    if (t.cpu_weight && *t.cpu_weight == static_cast<uint32_t>(applied_weight(applied.cpu_weight)))
      t.cpu_weight.reset();
    if (t.io_weight && *t.io_weight == static_cast<uint32_t>(applied_weight(applied.io_weight)))
      t.io_weight.reset();
    if (t.cpu_idle && *t.cpu_idle == applied.cpu_idle.value_or(false)) t.cpu_idle.reset();
    if (t.memory_low_bytes && *t.memory_low_bytes == applied.memory_low_bytes.value_or(0))
      t.memory_low_bytes.reset();
    if (t == ResourceTargets{}) continue;
    std::vector<GuardAction> guards = std::move(p.guards);
    guards.insert(guards.end(), std::make_move_iterator(shielded.guards.begin()),
                  std::make_move_iterator(shielded.guards.end()));
    WorkloadExplanation why{p.workload, name(), std::move(p.reason), {}, std::move(guards)};
    for (const auto f : p.mattered) why.features.push_back({feature_name(f), get(e->features, f)});
    last_.decision.workloads.push_back({p.workload, std::move(t)});
    last_.explanations.push_back(std::move(why));
  }
  return last_.decision;
}

}  // namespace dwae::policy
