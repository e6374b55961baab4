// The common frame of the adaptive policies (rule, feedback, later PPO): features in, a proposal
// per workload out, the shield in between, and an explanation for every workload touched.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dwae/features/features.h"
#include "dwae/policy/explanation.h"
#include "dwae/policy/policy.h"
#include "dwae/policy/shield.h"

namespace dwae::policy {

struct AdaptiveSetup {
  // Workload name -> the settings it starts from (its configured static settings). They are
  // applied the first time a workload is seen, unshielded: they are the operator's.
  std::map<std::string, ResourceTargets> base;
  features::HostContext facts;  // topology and overcommit; per-tick fields are filled in
  ShieldConfig shield;
};

// The features an explanation names, most important first: up to kMax, kept inline so a
// proposal allocates nothing for them (later ones are dropped).
class FeatureList {
 public:
  static constexpr size_t kMax = 8;
  FeatureList() = default;
  FeatureList(std::initializer_list<features::Feature> list) {
    for (const auto f : list) push_back(f);
  }
  void push_back(features::Feature f) {
    if (size_ < kMax) items_[size_++] = f;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  features::Feature operator[](size_t i) const { return items_[i]; }
  const features::Feature* begin() const { return items_.data(); }
  const features::Feature* end() const { return items_.data() + size_; }

 private:
  std::array<features::Feature, kMax> items_{};
  size_t size_ = 0;
};

class AdaptivePolicy : public Policy {
 public:
  explicit AdaptivePolicy(AdaptiveSetup setup);
  void set_configured(const std::string& workload, const ResourceTargets& targets) final {
    setup_.base[workload] = targets;
  }
  Decision decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) final;
  // The decision of the last decide() with its explanations.
  const ExplainedDecision& last() const { return last_; }

 protected:
  static constexpr size_t kNoEntry = static_cast<size_t>(-1);
  struct Proposed {
    std::string workload;
    // Index of the workload's entry, when the policy knows it (saves a lookup by name).
    size_t entry = kNoEntry;
    Proposal proposal;
    std::string reason;
    FeatureList mattered;  // most important first
    // Guards the policy itself applied before the shield (PPO's out-of-distribution fallback).
    std::vector<GuardAction> guards;
  };
  using Entries = std::vector<features::FeatureTracker::Entry>;
  virtual std::vector<Proposed> propose(const Entries& entries, const features::HostContext& host,
                                        Nanos now) = 0;
  // The starting cpu.weight of a workload (its static setting, else the kernel default 100).
  double base_weight(const std::string& workload) const;

 private:
  // The entry a proposal is about, or nullptr.
  const features::FeatureTracker::Entry* entry_of(const Proposed& p, size_t i);
  // The next decision / explanation of last_, reusing the storage of earlier ticks.
  WorkloadDecision& next_decision();
  WorkloadExplanation& next_explanation();

  AdaptiveSetup setup_;
  features::FeatureTracker tracker_;
  Shield shield_;
  std::unordered_set<std::string> seen_;
  std::unordered_map<std::string, double> base_weights_;
  ExplainedDecision last_;
  size_t decisions_ = 0, explanations_ = 0;  // in use in last_
  Entries entries_;
  std::unordered_map<std::string_view, size_t> entry_index_;  // built only when needed
  std::vector<GuardAction> guards_;                           // of one proposal
  bool entry_index_built_ = false;
};

}  // namespace dwae::policy
