// The training policy is an AdaptivePolicy like PpoPolicy, so features, first-seen base
// settings, the shield and the decision all take the agent's code path; only the action is
// sampled around the network's output instead of taken as it is.
#include "dwae/train/rollout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "dwae/policy/shield.h"
#include "dwae/sim/runner.h"
#include "dwae/train/workers.h"

namespace dwae::train {

namespace {

constexpr double kLogSqrtTwoPi = 0.91893853320467274178;

policy::AdaptiveSetup setup_for(const sim::Scenario& scenario) {
  // As sim::make_policy sets up the adaptive policies.
  policy::AdaptiveSetup setup;
  setup.base = sim::static_targets(scenario);
  setup.facts.numa_nodes = scenario.host.numa_nodes;
  setup.facts.llc_domains = scenario.host.numa_nodes;
  double vcpus = 0;
  for (const auto& w : scenario.workloads) vcpus += w.vcpus > 0 ? w.vcpus : w.threads;
  setup.facts.overcommit_ratio = vcpus / std::max(1.0, static_cast<double>(scenario.host.cores));
  return setup;
}

}  // namespace

void FeatureStats::add(const features::FeatureVector& f) {
  count += 1;
  for (size_t j = 0; j < kFeatures; ++j) {
    const double x = f[j];
    if (count == 1) {
      min[j] = max[j] = x;
    } else {
      min[j] = std::min(min[j], x);
      max[j] = std::max(max[j], x);
    }
    const double d = x - mean[j];
    mean[j] += d / count;
    m2[j] += d * (x - mean[j]);
  }
}

void FeatureStats::merge(const FeatureStats& o) {
  if (o.count == 0) return;
  if (count == 0) {
    *this = o;
    return;
  }
  const double n = count + o.count;
  for (size_t j = 0; j < kFeatures; ++j) {
    const double d = o.mean[j] - mean[j];
    mean[j] += d * o.count / n;
    m2[j] += o.m2[j] + d * d * count * o.count / n;
    min[j] = std::min(min[j], o.min[j]);
    max[j] = std::max(max[j], o.max[j]);
  }
  count = n;
}

double FeatureStats::std_dev(size_t j) const {
  return count > 1 ? std::sqrt(m2[j] / (count - 1)) : 0.0;
}

Actor::Actor(policy::PolicyModel m, std::vector<float> log_std_, bool det)
    : model(std::move(m)),
      mlp(policy::build_mlp(model)),
      log_std(std::move(log_std_)),
      deterministic(det) {
  if (log_std.size() != model.actions.size()) deterministic = true;
}

void Actor::normalise(const features::FeatureVector& f, float* out) const {
  // The same float arithmetic as PpoPolicy::normalise.
  for (size_t j = 0; j < kFeatures; ++j) {
    const float x = (static_cast<float>(f[j]) - model.mean[j]) / model.std[j];
    out[j] = std::clamp(x, -model.clip, model.clip);
  }
}

class Environment::TrainingPolicy final : public policy::AdaptivePolicy {
 public:
  TrainingPolicy(const policy::AdaptiveSetup& setup, EpisodeResult& result, TrainRng& noise)
      : AdaptivePolicy(setup), result_(result), noise_(noise) {}
  const char* name() const override { return "ppo-training"; }

  const Actor* actor = nullptr;
  bool observe_only = false;  // record the inputs as the bootstrap, propose nothing
  std::vector<size_t> acted;  // trajectories that took a step this tick

 private:
  Trajectory& trajectory(const std::string& workload) {
    const auto it = index_.find(workload);
    if (it != index_.end()) return result_.trajectories[it->second];
    index_.emplace(workload, result_.trajectories.size());
    Trajectory t;
    t.workload = workload;
    t.actions = actor->model.actions.size();
    result_.trajectories.push_back(std::move(t));
    return result_.trajectories.back();
  }

  std::vector<Proposed> propose(const Entries& entries, const features::HostContext& /*host*/,
                                Nanos /*now*/) override {
    acted.clear();
    std::vector<Proposed> out;
    const size_t n_actions = actor->model.actions.size();
    std::array<float, kFeatures> x{};
    std::vector<float> mean(n_actions), a(n_actions);
    for (const auto& e : entries) {
      Trajectory& t = trajectory(e.info->name);
      actor->normalise(e.features, x.data());
      if (observe_only) {
        t.bootstrap.assign(x.begin(), x.end());
        continue;
      }
      result_.stats.add(e.features);
      actor->mlp.forward(x.data(), mean.data());
      double log_prob = 0;
      for (size_t k = 0; k < n_actions; ++k) {
        if (actor->deterministic) {
          a[k] = mean[k];
          continue;
        }
        const double sigma = std::exp(static_cast<double>(actor->log_std[k]));
        const double z = noise_.normal();
        a[k] = static_cast<float>(static_cast<double>(mean[k]) + sigma * z);
        log_prob += -0.5 * z * z - static_cast<double>(actor->log_std[k]) - kLogSqrtTwoPi;
      }
      t.obs.insert(t.obs.end(), x.begin(), x.end());
      t.act.insert(t.act.end(), a.begin(), a.end());
      t.log_prob.push_back(static_cast<float>(log_prob));
      acted.push_back(index_.at(e.info->name));

      // PpoPolicy's action mapping, on the action clipped to the network's range.
      Proposed p;
      p.workload = e.info->name;
      const ResourceTargets& applied = e.sample->applied;
      for (size_t k = 0; k < n_actions; ++k) {
        const policy::ActionMapping& m = actor->model.actions[k];
        const double factor =
            1.0 + static_cast<double>(std::clamp(a[k], -1.0F, 1.0F)) * m.max_relative_change;
        switch (m.resource) {
          case policy::ActionResource::kCpuWeight:
            p.proposal.cpu_weight = policy::applied_weight(applied.cpu_weight) * factor;
            break;
          case policy::ActionResource::kIoWeight:
            p.proposal.io_weight = policy::applied_weight(applied.io_weight) * factor;
            break;
          case policy::ActionResource::kMemoryLow:
            p.proposal.memory_low_bytes =
                static_cast<double>(applied.memory_low_bytes.value_or(0)) * factor;
            break;
        }
      }
      p.reason = "training";
      out.push_back(std::move(p));
    }
    return out;
  }

  EpisodeResult& result_;
  TrainRng& noise_;
  std::map<std::string, size_t> index_;
};

Environment::Environment(sim::Scenario scenario, const RewardWeights& weights, uint64_t noise_seed)
    : scenario_(std::move(scenario)), weights_(weights), noise_(noise_seed) {
  host_ = std::make_unique<sim::SimHost>(scenario_, clock_);
  policy_ = std::make_unique<TrainingPolicy>(setup_for(scenario_), result_, noise_);
  meter_ = std::make_unique<RewardMeter>(scenario_, weights_);
  infos_ = host_->workloads().value();
  result_.scenario = scenario_.name;
  result_.seed = scenario_.seed;
}

Environment::~Environment() = default;

bool Environment::done() const {
  return now_ >= scenario_.duration;
}

bool Environment::step(const Actor& actor) {
  if (done()) return false;
  RewardTerms terms;
  policy_->acted.clear();
  auto sample = host_->sample();
  if (sample.ok()) {
    policy_->actor = &actor;
    policy_->observe_only = false;
    const Decision decision = policy_->decide(*sample, infos_);
    // The first tick applies the scenario's own settings: not a change the policy made.
    if (result_.ticks > 0) RewardMeter::count_changes(decision, *sample, infos_.size(), terms);
    if (!decision.workloads.empty()) host_->apply(decision);
  }
  now_ = std::min(scenario_.duration, now_ + scenario_.control_period);
  host_->run_until(now_);
  terms += meter_->measure(host_->metrics());
  const double reward = combine(terms, weights_);
  for (const size_t i : policy_->acted) {
    result_.trajectories[i].reward.push_back(static_cast<float>(reward));
  }
  result_.reward += reward;
  result_.terms += terms;
  ++result_.ticks;
  return !done();
}

EpisodeResult Environment::finish(const Actor& actor) {
  auto sample = host_->sample();
  if (sample.ok()) {
    policy_->actor = &actor;
    policy_->observe_only = true;
    policy_->decide(*sample, infos_);
  }
  result_.simulated_seconds = static_cast<double>(now_.count()) / 1e9;
  result_.sim_steps =
      static_cast<uint64_t>(now_.count() / std::max<int64_t>(1, scenario_.quantum.count()));
  return std::move(result_);
}

RewardTerms policy_reward(const sim::Scenario& scenario, policy::Policy& policy,
                          const RewardWeights& weights, double* reward) {
  ManualClock clock;
  sim::SimHost host(scenario, clock);
  RewardMeter meter(scenario, weights);
  const auto infos = host.workloads().value();
  RewardTerms total;
  double sum = 0;
  size_t ticks = 0;
  for (Nanos t{0}; t < scenario.duration; ++ticks) {
    RewardTerms terms;
    auto sample = host.sample();
    if (sample.ok()) {
      const Decision decision = policy.decide(*sample, infos);
      if (ticks > 0) RewardMeter::count_changes(decision, *sample, infos.size(), terms);
      if (!decision.workloads.empty()) host.apply(decision);
    }
    t = std::min(scenario.duration, t + scenario.control_period);
    host.run_until(t);
    terms += meter.measure(host.metrics());
    sum += combine(terms, weights);
    total += terms;
  }
  if (reward != nullptr) *reward = sum;
  return total;
}

Result<std::vector<EpisodeResult>> run_episodes(const std::vector<sim::Scenario>& scenarios,
                                                const std::vector<uint64_t>& noise_seeds,
                                                const Actor& actor, const RewardWeights& weights,
                                                unsigned jobs) {
  std::vector<EpisodeResult> results(scenarios.size());
  jobs = std::max(1U, std::min<unsigned>(jobs, static_cast<unsigned>(scenarios.size())));
  // Worker w steps hosts w, w + jobs, ... together, one control tick each in turn.
  auto work = [&](unsigned w) {
    // The network's scratch space is per thread, so each worker needs its own copy.
    const Actor local = actor;  // NOLINT(performance-unnecessary-copy-initialization)
    std::vector<std::unique_ptr<Environment>> envs;
    std::vector<size_t> index;
    for (size_t i = w; i < scenarios.size(); i += jobs) {
      envs.push_back(std::make_unique<Environment>(scenarios[i], weights, noise_seeds.at(i)));
      index.push_back(i);
    }
    for (bool any = true; any;) {
      any = false;
      for (auto& e : envs) any = e->step(local) || any;
    }
    for (size_t k = 0; k < envs.size(); ++k) results[index[k]] = envs[k]->finish(local);
  };
  if (auto st = run_workers(jobs, work); !st.ok()) return st.error();
  return results;
}

}  // namespace dwae::train
