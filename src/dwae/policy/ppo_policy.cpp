// PPO inference per tick: the whole tick's workloads go through the network as one batch (one
// matrix product per layer); workloads outside the training range take the feedback
// controller's proposal instead.
#include "dwae/policy/ppo_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace dwae::policy {

using features::Feature;
using features::kFeatureCount;

namespace {

constexpr size_t kMattered = 3;  // features named in an explanation

// Appends "cpu.weight +12.5 %": integer formatting, because this runs for every workload every
// tick and printf-style float formatting would dominate decide(). A non-finite change (the
// network's output was NaN) is spelled out rather than rounded: lround(NaN) is unspecified and
// negating its LONG_MIN result is undefined behaviour.
void append_action(std::string& out, ActionResource r, double relative) {
  out += action_resource_name(r);
  // |relative| <= 1 for a finite output (tanh times a change in (0, 1]); the bound keeps the
  // conversion defined whatever happens.
  if (!(std::abs(relative) <= 1e6)) {
    out += " not finite (held)";
    return;
  }
  const long tenths = std::lround(relative * 1000.0);  // tenths of a percent
  out += tenths < 0 ? " -" : " +";
  const long magnitude = tenths < 0 ? -tenths : tenths;
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, magnitude / 10).ptr;
  out.append(digits, end);
  out += '.';
  out += static_cast<char>('0' + magnitude % 10);
  out += " %";
}

}  // namespace

Result<std::unique_ptr<PpoPolicy>> PpoPolicy::load(const AdaptiveSetup& setup,
                                                   const std::string& path,
                                                   FeedbackConfig fallback) {
  auto model = load_policy_file(path);
  if (!model) return Error{"ppo policy: " + model.error().message};
  return std::make_unique<PpoPolicy>(setup, std::move(*model), fallback);
}

PpoPolicy::PpoPolicy(const AdaptiveSetup& setup, PolicyModel model, FeedbackConfig fallback)
    : AdaptivePolicy(setup), fallback_(setup, fallback) {
  install(std::move(model));
}

void PpoPolicy::install(PolicyModel model) {
  model_ = std::move(model);
  mlp_ = build_mlp(model_);
  input_importance_.assign(kFeatureCount, 0.0F);
  if (!mlp_.layers().empty()) {
    const auto& w = mlp_.layers().front().weights;
    for (size_t j = 0; j < kFeatureCount; ++j) {
      const auto column = w.col(static_cast<Eigen::Index>(j));
      float norm = column.norm();
      // The squares of large finite weights overflow float: then in double, capped at the
      // largest float, so that 0 x norm stays 0 in the ranking instead of 0 x inf = NaN.
      if (!std::isfinite(norm)) {
        norm = static_cast<float>(std::min(column.cast<double>().norm(),
                                           static_cast<double>(std::numeric_limits<float>::max())));
      }
      input_importance_[j] = norm;
    }
  }
}

Status PpoPolicy::reload(const std::string& path) {
  auto model = load_policy_file(path);
  if (!model) {
    return Error{"ppo policy: reload refused, keeping the current network ('" + model_.name +
                 "'): " + model.error().message};
  }
  install(std::move(*model));
  return {};
}

void PpoPolicy::normalise(const features::FeatureVector& f, float* out) const {
  for (size_t j = 0; j < kFeatureCount; ++j) {
    const float x = (static_cast<float>(f[j]) - model_.mean[j]) / model_.std[j];
    out[j] = std::clamp(x, -model_.clip, model_.clip);
  }
}

std::vector<float> PpoPolicy::infer(const features::FeatureVector& f) const {
  float x[kFeatureCount];
  normalise(f, x);
  std::vector<float> y(mlp_.outputs());
  mlp_.forward(x, y.data());
  return y;
}

int PpoPolicy::out_of_distribution(const features::FeatureVector& f) const {
  const auto tol = static_cast<double>(model_.ood_tolerance);
  for (size_t j = 0; j < kFeatureCount; ++j) {
    // NaN compares false both ways, so it counts as outside too.
    if (!(f[j] >= static_cast<double>(model_.train_min[j]) - tol &&
          f[j] <= static_cast<double>(model_.train_max[j]) + tol)) {
      return static_cast<int>(j);
    }
  }
  return -1;
}

std::vector<AdaptivePolicy::Proposed> PpoPolicy::propose(const Entries& entries,
                                                         const features::HostContext& host,
                                                         Nanos now) {
  const auto n = static_cast<Eigen::Index>(entries.size());
  batch_in_.resize(static_cast<Eigen::Index>(kFeatureCount), n);
  std::vector<int> ood(entries.size());
  bool any_ood = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    ood[i] = out_of_distribution(entries[i].features);
    any_ood = any_ood || ood[i] >= 0;
    normalise(entries[i].features, batch_in_.col(static_cast<Eigen::Index>(i)).data());
  }
  mlp_.forward_batch(batch_in_, batch_out_);
  inferences_ += entries.size();

  // The fallback controller sees every workload (its pressure is host-wide) but only on ticks
  // that need it; its integral then covers the gap since its last run, bounded by anti-windup.
  std::vector<Proposed> fallback;
  std::vector<size_t> fallback_of;  // entry index -> index in fallback
  if (any_ood) {
    fallback = fallback_.propose(entries, host, now);
    fallback_of.assign(entries.size(), kNoEntry);
    for (size_t k = 0; k < fallback.size(); ++k) {
      if (fallback[k].entry < entries.size()) fallback_of[fallback[k].entry] = k;
    }
  }

  std::vector<Proposed> out;
  out.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    Proposed p;
    p.workload = e.info->name;
    p.entry = i;
    if (ood[i] >= 0) {
      ++ood_fallbacks_;
      const auto j = static_cast<size_t>(ood[i]);
      const auto f = static_cast<Feature>(j);
      char detail[192];
      std::snprintf(
          detail, sizeof detail,
          "%s = %.3f outside the training range [%.3f, %.3f] +- %.3f: feedback decides "
          "this tick",
          features::feature_name(f), e.features[j], static_cast<double>(model_.train_min[j]),
          static_cast<double>(model_.train_max[j]), static_cast<double>(model_.ood_tolerance));
      p.guards.push_back({"ood", "all", detail});
      p.mattered.push_back(f);
      const auto fb = fallback_of[i] < fallback.size()
                          ? fallback.begin() + static_cast<std::ptrdiff_t>(fallback_of[i])
                          : fallback.end();
      if (fb != fallback.end()) {
        p.proposal = fb->proposal;
        p.reason = "feedback fallback (out of distribution): " + fb->reason;
        for (const auto m : fb->mattered) {
          if (m != f) p.mattered.push_back(m);
        }
      } else {
        p.reason = "feedback fallback (out of distribution): no change";
      }
      out.push_back(std::move(p));
      continue;
    }

    const ResourceTargets& applied = e.sample->applied;
    const auto col = static_cast<Eigen::Index>(i);
    std::string reason;
    reason.reserve(96);
    reason = "network";
    bool non_finite = false;
    for (size_t k = 0; k < model_.actions.size(); ++k) {
      const ActionMapping& a = model_.actions[k];
      const auto y = static_cast<double>(batch_out_(static_cast<Eigen::Index>(k), col));
      // A network whose finite weights overflow gives NaN: the proposal is then non-finite,
      // which the shield holds at the applied value (guard `nan`).
      const double relative =
          std::isfinite(y) ? y * a.max_relative_change : std::numeric_limits<double>::quiet_NaN();
      non_finite = non_finite || !std::isfinite(y);
      const double factor = 1.0 + relative;
      switch (a.resource) {
        case ActionResource::kCpuWeight:
          p.proposal.cpu_weight = applied_weight(applied.cpu_weight) * factor;
          break;
        case ActionResource::kIoWeight:
          p.proposal.io_weight = applied_weight(applied.io_weight) * factor;
          break;
        case ActionResource::kMemoryLow:
          p.proposal.memory_low_bytes =
              static_cast<double>(applied.memory_low_bytes.value_or(0)) * factor;
          break;
      }
      reason += k == 0 ? ": " : ", ";
      append_action(reason, a.resource, relative);
    }
    if (non_finite) ++non_finite_outputs_;
    p.reason = std::move(reason);
    // The features that weighed most: |normalised input| x the norm of its first-layer column.
    // NaN would break the sort's ordering; it ranks as 0.
    std::array<std::pair<float, size_t>, kFeatureCount> weight{};
    for (size_t j = 0; j < kFeatureCount; ++j) {
      const float v = std::abs(batch_in_(static_cast<Eigen::Index>(j), col)) * input_importance_[j];
      weight[j] = {std::isnan(v) ? 0.0F : v, j};
    }
    std::partial_sort(weight.begin(), weight.begin() + kMattered, weight.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t j = 0; j < kMattered; ++j)
      p.mattered.push_back(static_cast<Feature>(weight[j].second));
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace dwae::policy
