// PPO on LibTorch. Rollouts run the exported actor (the agent's inference) with noise; the
// update recomputes log-probabilities and values with LibTorch. All randomness of iteration i
// derives from (seed, i), so a checkpoint needs only the networks, the optimiser, the input
// normalisation, the training range and the curve, and the configuration that gave them (a
// checkpoint is only resumed under the same one). A loss or parameter that is not finite stops
// the run at once: nothing after it is exported or checkpointed.
#include "dwae/train/ppo.h"

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <tuple>
#include <utility>

#include "dwae/common/units.h"
#include "dwae/policy/policy_file.h"
#include "dwae/train/random.h"

namespace dwae::train {

namespace {

using json = nlohmann::json;
constexpr double kLogSqrtTwoPi = 0.91893853320467274178;
constexpr size_t kActions = 3;  // cpu.weight, io.weight, memory.low
// 2: the checkpoint records the training configuration ("config").
constexpr int kCheckpointVersion = 2;

torch::nn::Sequential make_mlp(const std::vector<uint32_t>& hidden, int64_t outputs,
                               bool tanh_output) {
  torch::nn::Sequential net;
  int64_t in = static_cast<int64_t>(kFeatures);
  for (const uint32_t h : hidden) {
    net->push_back(torch::nn::Linear(in, static_cast<int64_t>(h)));
    net->push_back(torch::nn::Tanh());
    in = static_cast<int64_t>(h);
  }
  net->push_back(torch::nn::Linear(in, outputs));
  if (tanh_output) net->push_back(torch::nn::Tanh());
  return net;
}

// Orthogonal initialisation (gain sqrt 2 for hidden layers, `last_gain` for the output) and
// zero biases: the usual PPO start, with the actor's outputs near 0 ("change nothing").
void initialise(torch::nn::Sequential& net, double last_gain) {
  std::vector<torch::nn::Linear> linears;
  for (auto& m : net->children()) {
    if (auto l = std::dynamic_pointer_cast<torch::nn::LinearImpl>(m)) {
      linears.emplace_back(l);
    }
  }
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < linears.size(); ++i) {
    const double gain = i + 1 == linears.size() ? last_gain : std::sqrt(2.0);
    torch::nn::init::orthogonal_(linears[i]->weight, gain);
    torch::nn::init::zeros_(linears[i]->bias);
  }
}

struct ActorCriticImpl : torch::nn::Module {
  ActorCriticImpl(const std::vector<uint32_t>& hidden, double init_log_std) {
    actor = register_module("actor", make_mlp(hidden, kActions, true));
    critic = register_module("critic", make_mlp(hidden, 1, false));
    log_std =
        register_parameter("log_std", torch::full({static_cast<int64_t>(kActions)}, init_log_std));
    initialise(actor, 0.01);
    initialise(critic, 1.0);
  }
  torch::nn::Sequential actor{nullptr}, critic{nullptr};
  torch::Tensor log_std;
};
TORCH_MODULE(ActorCritic);

std::vector<float> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kFloat32);
  const float* p = c.data_ptr<float>();
  return {p, p + c.numel()};
}

// LibTorch's what() carries a C++ backtrace: the operator gets the first line of the message.
std::string one_line(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = torch_error != nullptr ? torch_error->what_without_backtrace() : e.what();
  if (const auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  return text;
}

std::string shown(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

bool in_range(double v, double lo, double hi) {
  return std::isfinite(v) && v >= lo && v <= hi;
}

Error out_of_range(const std::string& option, double v, const std::string& accepted) {
  return Error{option + " " + shown(v) + ": expected " + accepted};
}

// One setting a checkpoint records: the option, its value, and how to show it.
struct Setting {
  std::string option;
  json value;
  std::string text;
};

// Everything a model depends on, and --iterations (the last iteration is evaluated and the
// file's name says how many there were). Not recorded: --jobs (results do not depend on it),
// --eval-every and the evaluation episodes (the curve's evaluation column only) and
// --torch-threads.
std::vector<Setting> settings_of(const PpoConfig& c) {
  std::vector<Setting> out;
  const auto number = [&](const std::string& option, double v) {
    out.push_back({option, v, json(v).dump()});
  };
  const auto count = [&](const std::string& option, uint64_t v) {
    out.push_back({option, v, std::to_string(v)});
  };
  count("--seed", c.seed);
  json scenarios = json::array();
  std::string names;
  for (const auto& s : c.scenarios) {
    scenarios.push_back({{"name", s.name}, {"seed", s.seed}});
    names += (names.empty() ? "" : ", ") + s.name;
  }
  out.push_back({"--scenario", scenarios, names});
  count("--envs", c.envs);
  out.push_back({"--episode", c.episode.count(), format_duration(c.episode)});
  const RewardWeights& w = c.reward;
  out.push_back({"--reward",
                 {w.tail, w.sla, w.stall, w.cv, w.fragmentation, w.utilisation, w.overcommit,
                  w.change, w.change_size},
                 format_reward_weights(w)});
  out.push_back({"reward targets",
                 {w.tail_share, w.stall_share, w.cv_target, w.fragmentation_limit,
                  w.overcommit_goal, w.cv_windows},
                 json::array({w.tail_share, w.stall_share, w.cv_target, w.fragmentation_limit,
                              w.overcommit_goal, w.cv_windows})
                     .dump()});
  count("--iterations", c.iterations);
  number("--learning-rate", c.learning_rate);
  number("--entropy", c.entropy);
  count("--epochs", c.epochs);
  count("--minibatch", c.minibatch);
  number("--gamma", c.gamma);
  number("--init-log-std", c.init_log_std);
  number("lambda", c.lambda);
  number("clip", c.clip);
  number("value_coef", c.value_coef);
  number("max_grad_norm", c.max_grad_norm);
  out.push_back({"hidden layers", c.hidden, json(c.hidden).dump()});
  number("max_relative_change", c.max_relative_change);
  number("input_clip", static_cast<double>(c.input_clip));
  number("std_floor", static_cast<double>(c.std_floor));
  number("ood_tolerance", static_cast<double>(c.ood_tolerance));
  const Randomisation& r = c.randomisation;
  const json randomisation = {r.global_load_min,   r.global_load_max,  r.workload_load_min,
                              r.workload_load_max, r.drop_probability, r.duplicate_probability,
                              r.burst_scale_min,   r.burst_scale_max};
  out.push_back({"randomisation", randomisation, randomisation.dump()});
  return out;
}

}  // namespace

Status validate_config(const PpoConfig& c) {
  if (c.scenarios.empty()) return Error{"--scenario: no scenario to train on"};
  if (c.iterations == 0) return Error{"--iterations 0: nothing would be trained (at least 1)"};
  if (c.envs == 0) return Error{"--envs 0: no host would run an episode (at least 1)"};
  if (c.epochs == 0) return Error{"--epochs 0: no update would be made (at least 1)"};
  if (c.minibatch < 2) {
    return Error{"--minibatch " + std::to_string(c.minibatch) +
                 ": at least 2 (a minibatch of fewer samples makes no update)"};
  }
  for (const auto& s : c.scenarios) {
    // The policy first acts on an episode's second control tick (features need two samples).
    if (s.control_period.count() > 0 && c.episode <= s.control_period) {
      return Error{"--episode " + format_duration(c.episode) +
                   ": not longer than one control tick (" + format_duration(s.control_period) +
                   ") of scenario " + s.name +
                   ", so the policy would never act; the policy acts from the second tick on"};
    }
  }
  if (!in_range(c.learning_rate, 0, 1) || c.learning_rate == 0) {
    return out_of_range("--learning-rate", c.learning_rate, "a number in (0, 1]");
  }
  if (!in_range(c.entropy, 0, 1)) return out_of_range("--entropy", c.entropy, "a number in [0, 1]");
  if (!in_range(c.gamma, 0, 1)) return out_of_range("--gamma", c.gamma, "a number in [0, 1]");
  if (!in_range(c.init_log_std, -10, 2)) {
    return out_of_range("--init-log-std", c.init_log_std,
                        "a number in [-10, 2] (a standard deviation of 4.5e-5 .. 7.4 around "
                        "actions in [-1, 1])");
  }
  if (!in_range(c.lambda, 0, 1)) return out_of_range("lambda", c.lambda, "a number in [0, 1]");
  if (!in_range(c.clip, 0, 1) || c.clip == 0) {
    return out_of_range("clip", c.clip, "a number in (0, 1]");
  }
  if (!in_range(c.value_coef, 0, 100) || c.value_coef == 0) {
    return out_of_range("value_coef", c.value_coef, "a number in (0, 100]");
  }
  if (!in_range(c.max_grad_norm, 0, 1e6) || c.max_grad_norm == 0) {
    return out_of_range("max_grad_norm", c.max_grad_norm, "a number in (0, 1e6]");
  }
  if (!in_range(c.max_relative_change, 0, 1) || c.max_relative_change == 0) {
    return out_of_range("max_relative_change", c.max_relative_change, "a number in (0, 1]");
  }
  const auto input_clip = static_cast<double>(c.input_clip);
  const auto std_floor = static_cast<double>(c.std_floor);
  const auto ood_tolerance = static_cast<double>(c.ood_tolerance);
  if (!in_range(input_clip, 0, 1e6) || input_clip == 0) {
    return out_of_range("input_clip", input_clip, "a number in (0, 1e6]");
  }
  if (!in_range(std_floor, static_cast<double>(std::numeric_limits<float>::min()), 1e6)) {
    return out_of_range("std_floor", std_floor, "a number in [1.2e-38, 1e6]");
  }
  if (!in_range(ood_tolerance, 0, 1e6)) {
    return out_of_range("ood_tolerance", ood_tolerance, "a number in [0, 1e6]");
  }
  if (c.hidden.empty() || c.hidden.size() + 2 > policy::kMaxLayers) {
    return Error{"hidden layers: 1 .. " + std::to_string(policy::kMaxLayers - 2) + ", not " +
                 std::to_string(c.hidden.size())};
  }
  size_t parameters = 0, in = kFeatures;
  for (const uint32_t h : c.hidden) {
    if (h == 0 || h > policy::kMaxLayerSize) {
      return Error{"hidden layers: a layer of " + std::to_string(h) + " values (1 .. " +
                   std::to_string(policy::kMaxLayerSize) + ")"};
    }
    parameters += (in + 1) * h;
    in = h;
  }
  parameters += (in + 1) * kActions;
  if (parameters > policy::kMaxParameters) {
    return Error{"hidden layers: the actor would have " + std::to_string(parameters) +
                 " parameters, a policy file holds at most " +
                 std::to_string(policy::kMaxParameters)};
  }
  const Randomisation& r = c.randomisation;
  for (const auto& [name, lo, hi] :
       {std::tuple{"global load", r.global_load_min, r.global_load_max},
        std::tuple{"workload load", r.workload_load_min, r.workload_load_max},
        std::tuple{"burst scale", r.burst_scale_min, r.burst_scale_max}}) {
    if (!in_range(lo, 0, 1e3) || lo == 0 || !in_range(hi, lo, 1e3)) {
      return Error{std::string("randomisation: ") + name + " range [" + shown(lo) + ", " +
                   shown(hi) + "] (0 < min <= max <= 1000)"};
    }
  }
  if (!in_range(r.drop_probability, 0, 1) || !in_range(r.duplicate_probability, 0, 1)) {
    return Error{"randomisation: probabilities must be in [0, 1]"};
  }
  if (c.eval_every > 0 && c.eval_episodes == 0) {
    return Error{"--eval-every " + std::to_string(c.eval_every) +
                 ": there are no evaluation episodes to run"};
  }
  if (c.torch_threads < 1) {
    return Error{"--torch-threads " + std::to_string(c.torch_threads) + ": at least 1"};
  }
  return {};
}

struct PpoTrainer::Impl {
  PpoConfig config;
  ActorCritic net{nullptr};
  std::unique_ptr<torch::optim::Adam> optimiser;
  std::array<float, kFeatures> mean{}, std{};
  FeatureStats range;  // every raw feature value trained on
  bool warmed_up = false;
  size_t iteration = 0;
  uint64_t episodes = 0, host_ticks = 0, samples = 0;
  double simulated_seconds = 0, wall_seconds = 0;
  std::vector<CurveRow> curve;
  std::vector<uint64_t> reserved_seeds;
  std::string failure;  // why the last iteration failed; the trainer stops there

  bool finite_parameters() const {
    torch::NoGradGuard no_grad;
    for (const auto& p : net->parameters()) {
      if (!torch::isfinite(p).all().item<bool>()) return false;
    }
    return true;
  }

  bool finite_normalisation() const {
    return std::all_of(mean.begin(), mean.end(), [](float v) { return std::isfinite(v); }) &&
           std::all_of(std.begin(), std.end(), [](float v) { return std::isfinite(v); });
  }

  Result<IterationStats> iterate(PpoTrainer& self);

  policy::PolicyModel model(const std::string& name) const {
    policy::PolicyModel m;
    m.name = name;
    m.layer_sizes.push_back(static_cast<uint32_t>(kFeatures));
    for (const uint32_t h : config.hidden) {
      m.layer_sizes.push_back(h);
      m.activations.push_back(policy::Activation::kTanh);
    }
    m.layer_sizes.push_back(static_cast<uint32_t>(kActions));
    m.activations.push_back(policy::Activation::kTanh);
    for (size_t j = 0; j < kFeatures; ++j) {
      m.mean[j] = mean[j];
      m.std[j] = std[j];
      m.train_min[j] = range.count > 0 ? static_cast<float>(range.min[j]) : 0.0F;
      m.train_max[j] = range.count > 0 ? static_cast<float>(range.max[j]) : 0.0F;
    }
    m.clip = config.input_clip;
    m.ood_tolerance = config.ood_tolerance;
    for (const auto r : {policy::ActionResource::kCpuWeight, policy::ActionResource::kIoWeight,
                         policy::ActionResource::kMemoryLow}) {
      m.actions.push_back({r, config.max_relative_change});
    }
    for (auto& child : net->actor->children()) {
      if (auto l = std::dynamic_pointer_cast<torch::nn::LinearImpl>(child)) {
        const auto w = to_vector(l->weight);  // [out][in], row-major as the file wants
        const auto b = to_vector(l->bias);
        m.weights.insert(m.weights.end(), w.begin(), w.end());
        m.weights.insert(m.weights.end(), b.begin(), b.end());
      }
    }
    return m;
  }

  Actor actor(bool deterministic) const {
    return Actor(model("training"), to_vector(net->log_std.detach()), deterministic);
  }

  std::vector<sim::Scenario> training_scenarios(uint64_t iter, size_t count, uint64_t salt) const {
    std::vector<sim::Scenario> out;
    for (size_t e = 0; e < count; ++e) {
      const uint64_t episode = derive_seed({iter, e, salt});
      const uint64_t seed = training_seed(config.seed, episode, reserved_seeds);
      const auto& base =
          config.scenarios[derive_seed({config.seed, seed, 0xBA5E}) % config.scenarios.size()];
      out.push_back(randomise_scenario(base, seed, config.episode, config.randomisation));
    }
    return out;
  }

  std::vector<uint64_t> noise_seeds(uint64_t iter, size_t count) const {
    std::vector<uint64_t> out;
    for (size_t e = 0; e < count; ++e) out.push_back(derive_seed({config.seed, iter, e, 0x4015E}));
    return out;
  }
};

PpoTrainer::PpoTrainer(PpoConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  torch::set_num_threads(impl_->config.torch_threads);
  torch::manual_seed(impl_->config.seed);
  impl_->net = ActorCritic(impl_->config.hidden, impl_->config.init_log_std);
  impl_->optimiser = std::make_unique<torch::optim::Adam>(
      impl_->net->parameters(), torch::optim::AdamOptions(impl_->config.learning_rate));
  impl_->mean.fill(0.0F);
  impl_->std.fill(1.0F);
  for (const auto& s : impl_->config.scenarios) impl_->reserved_seeds.push_back(s.seed);
}

PpoTrainer::~PpoTrainer() = default;

size_t PpoTrainer::iteration() const {
  return impl_->iteration;
}
const std::vector<CurveRow>& PpoTrainer::curve() const {
  return impl_->curve;
}

Status PpoTrainer::warm_up() {
  Impl& m = *impl_;
  if (!m.failure.empty()) return Error{m.failure};
  if (m.warmed_up) return {};
  try {
    // Identity normalisation while fitting it: the initial actor's outputs are near 0 anyway.
    const Actor actor = m.actor(false);
    const auto results =
        run_episodes(m.training_scenarios(0, m.config.envs, 0xAA),
                     m.noise_seeds(~0ULL, m.config.envs), actor, m.config.reward, m.config.jobs);
    if (!results) return Error{"warm-up: " + results.error().message};
    FeatureStats stats;
    for (const auto& r : *results) stats.merge(r.stats);
    if (stats.count == 0) {
      // Nothing to fit the normalisation or the training range on: the policy would never act.
      return Error{"warm-up: " + std::to_string(m.config.envs) + " episodes of " +
                   format_duration(m.config.episode) +
                   " gave the policy no decision to make (it acts from an episode's second "
                   "control tick on; a longer --episode is needed)"};
    }
    for (size_t j = 0; j < kFeatures; ++j) {
      m.mean[j] = static_cast<float>(stats.mean[j]);
      m.std[j] = std::max(m.config.std_floor, static_cast<float>(stats.std_dev(j)));
    }
    if (!m.finite_normalisation()) {
      return Error{"warm-up: the input normalisation is not finite (a feature was not finite)"};
    }
    m.range.merge(stats);
    m.warmed_up = true;
  } catch (const std::exception& e) {
    return Error{"warm-up: " + one_line(e)};
  }
  return {};
}

std::vector<sim::Scenario> PpoTrainer::evaluation_scenarios(size_t episodes) const {
  const Impl& m = *impl_;
  std::vector<sim::Scenario> out;
  for (size_t e = 0; e < episodes; ++e) {
    // The last evaluation seeds, apart from the first ones the results table uses.
    const uint64_t seed = kEvaluationSeedBase + kEvaluationSeedCount - 1 - e;
    const auto& base = m.config.scenarios[e % m.config.scenarios.size()];
    out.push_back(randomise_scenario(base, seed, m.config.episode, m.config.randomisation));
  }
  return out;
}

Result<double> PpoTrainer::evaluate(size_t episodes) const {
  const Impl& m = *impl_;
  const auto scenarios = evaluation_scenarios(episodes);
  const auto results = run_episodes(scenarios, std::vector<uint64_t>(scenarios.size(), 0),
                                    m.actor(true), m.config.reward, m.config.jobs);
  if (!results) return Error{"evaluation: " + results.error().message};
  double sum = 0;
  for (const auto& r : *results) sum += r.reward;
  return results->empty() ? 0.0 : sum / static_cast<double>(results->size());
}

Result<IterationStats> PpoTrainer::iterate() {
  Impl& m = *impl_;
  if (!m.failure.empty()) return Error{m.failure};
  Result<IterationStats> stats = Error{};
  try {
    stats = m.iterate(*this);
  } catch (const std::exception& e) {
    stats = Error{"iteration " + std::to_string(m.iteration + 1) + ": " + one_line(e)};
  }
  // Whatever the network holds now is not a state to go on from, to export or to save.
  if (!stats) m.failure = stats.error().message;
  return stats;
}

Result<IterationStats> PpoTrainer::Impl::iterate(PpoTrainer& self) {
  Impl& m = *this;
  const PpoConfig& c = m.config;
  if (auto st = self.warm_up(); !st.ok()) return st.error();
  const auto start = std::chrono::steady_clock::now();
  const uint64_t iter = m.iteration;
  const std::string where = "iteration " + std::to_string(iter + 1);

  // Rollouts.
  auto rollouts = run_episodes(m.training_scenarios(iter + 1, c.envs, 0x7A),
                               m.noise_seeds(iter, c.envs), m.actor(false), c.reward, c.jobs);
  if (!rollouts) return Error{where + ": " + rollouts.error().message};
  const std::vector<EpisodeResult>& results = *rollouts;
  const double rollout_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Flatten the steps; remember each trajectory's span and bootstrap.
  std::vector<float> obs, act, old_logp, rewards, boot_obs;
  struct Span {
    size_t begin = 0, steps = 0;
    int64_t boot = -1;
  };
  std::vector<Span> spans;
  CurveRow row;
  uint64_t ticks = 0, sim_steps = 0;
  double sim_s = 0, episode_reward = 0;
  for (const auto& r : results) {
    m.range.merge(r.stats);
    ticks += r.ticks;
    sim_steps += r.sim_steps;
    sim_s += r.simulated_seconds;
    episode_reward += r.reward;
    row.terms += r.terms;
    for (const auto& t : r.trajectories) {
      if (t.steps() == 0) continue;
      Span s{old_logp.size(), t.steps(), -1};
      obs.insert(obs.end(), t.obs.begin(), t.obs.end());
      act.insert(act.end(), t.act.begin(), t.act.end());
      old_logp.insert(old_logp.end(), t.log_prob.begin(), t.log_prob.end());
      rewards.insert(rewards.end(), t.reward.begin(), t.reward.end());
      if (!t.bootstrap.empty()) {
        s.boot = static_cast<int64_t>(boot_obs.size() / kFeatures);
        boot_obs.insert(boot_obs.end(), t.bootstrap.begin(), t.bootstrap.end());
      }
      spans.push_back(s);
    }
  }
  const auto n = static_cast<int64_t>(old_logp.size());
  if (n < 2) {
    return Error{where + ": the rollouts gave " + std::to_string(n) +
                 " samples, an update needs at least 2 (a longer --episode or more --envs)"};
  }
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  torch::Tensor obs_t = torch::from_blob(obs.data(), {n, static_cast<int64_t>(kFeatures)}, opts);
  torch::Tensor act_t = torch::from_blob(act.data(), {n, static_cast<int64_t>(kActions)}, opts);
  torch::Tensor logp_t = torch::from_blob(old_logp.data(), {n}, opts);

  // Generalised advantage estimation per trajectory.
  std::vector<float> values, boot_values;
  {
    torch::NoGradGuard no_grad;
    values = to_vector(m.net->critic->forward(obs_t).squeeze(1));
    if (!boot_obs.empty()) {
      const auto nb = static_cast<int64_t>(boot_obs.size() / kFeatures);
      boot_values = to_vector(m.net->critic
                                  ->forward(torch::from_blob(
                                      boot_obs.data(), {nb, static_cast<int64_t>(kFeatures)}, opts))
                                  .squeeze(1));
    }
  }
  std::vector<float> adv(static_cast<size_t>(n)), ret(static_cast<size_t>(n));
  for (const Span& s : spans) {
    double next_value = s.boot >= 0 ? static_cast<double>(boot_values[static_cast<size_t>(s.boot)])
                                    : static_cast<double>(values[s.begin + s.steps - 1]);
    double gae = 0;
    for (size_t k = s.steps; k-- > 0;) {
      const size_t i = s.begin + k;
      const auto v = static_cast<double>(values[i]);
      const double delta = static_cast<double>(rewards[i]) + c.gamma * next_value - v;
      gae = delta + c.gamma * c.lambda * gae;
      adv[i] = static_cast<float>(gae);
      ret[i] = static_cast<float>(gae + v);
      next_value = v;
    }
  }
  {
    double adv_mean = 0, sq = 0;
    for (const float a : adv) adv_mean += static_cast<double>(a);
    adv_mean /= std::max<double>(1.0, static_cast<double>(n));
    for (const float a : adv)
      sq += (static_cast<double>(a) - adv_mean) * (static_cast<double>(a) - adv_mean);
    const double sd = std::sqrt(sq / std::max<double>(1.0, static_cast<double>(n))) + 1e-8;
    for (float& a : adv) a = static_cast<float>((static_cast<double>(a) - adv_mean) / sd);
  }
  torch::Tensor adv_t = torch::from_blob(adv.data(), {n}, opts);
  torch::Tensor ret_t = torch::from_blob(ret.data(), {n}, opts);

  // Minibatch updates over `epochs` shuffles.
  TrainRng shuffle(derive_seed({c.seed, iter, 0x5A0FF1E}));
  std::vector<int64_t> order(static_cast<size_t>(n));
  double policy_loss = 0, value_loss = 0, entropy = 0, kl = 0, clipped = 0;
  size_t updates = 0;
  for (size_t epoch = 0; epoch < c.epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.below(i)]);
    for (size_t b = 0; b < order.size(); b += c.minibatch) {
      const size_t len = std::min(c.minibatch, order.size() - b);
      if (len < 2) continue;
      torch::Tensor idx =
          torch::from_blob(order.data() + b, {static_cast<int64_t>(len)}, torch::kInt64);
      const torch::Tensor o = obs_t.index_select(0, idx);
      const torch::Tensor a = act_t.index_select(0, idx);
      const torch::Tensor old = logp_t.index_select(0, idx);
      const torch::Tensor A = adv_t.index_select(0, idx);
      const torch::Tensor R = ret_t.index_select(0, idx);

      const torch::Tensor mu = m.net->actor->forward(o);
      const torch::Tensor ls = m.net->log_std.expand_as(mu);
      const torch::Tensor z = (a - mu) / ls.exp();
      const torch::Tensor logp = (-0.5 * z * z - ls - kLogSqrtTwoPi).sum(1);
      const torch::Tensor ratio = (logp - old).exp();
      const torch::Tensor surrogate =
          torch::min(ratio * A, ratio.clamp(1.0 - c.clip, 1.0 + c.clip) * A);
      const torch::Tensor p_loss = -surrogate.mean();
      const torch::Tensor v = m.net->critic->forward(o).squeeze(1);
      const torch::Tensor v_loss = (v - R).pow(2).mean();
      const torch::Tensor ent = (m.net->log_std + 0.5 + kLogSqrtTwoPi).sum();
      const torch::Tensor loss = p_loss + c.value_coef * v_loss - c.entropy * ent;
      const auto at = [&] {
        return where + ", epoch " + std::to_string(epoch + 1) + ", samples " + std::to_string(b) +
               ".." + std::to_string(b + len);
      };
      if (!std::isfinite(loss.item<double>())) {
        return Error{at() + ": the loss is not finite (policy " + shown(p_loss.item<double>()) +
                     ", value " + shown(v_loss.item<double>()) + ", entropy " +
                     shown(ent.item<double>()) +
                     "): training diverged (a lower --learning-rate may help)"};
      }

      m.optimiser->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(m.net->parameters(), c.max_grad_norm);
      m.optimiser->step();
      if (!m.finite_parameters()) {
        return Error{at() +
                     ": a network parameter is not finite after the update: training "
                     "diverged (a lower --learning-rate may help)"};
      }

      torch::NoGradGuard no_grad;
      policy_loss += p_loss.item<double>();
      value_loss += v_loss.item<double>();
      entropy += ent.item<double>();
      kl += (old - logp).mean().item<double>();
      clipped += ((ratio - 1.0).abs() > c.clip).to(torch::kFloat32).mean().item<double>();
      ++updates;
    }
  }

  ++m.iteration;
  m.episodes += results.size();
  m.host_ticks += ticks;
  m.samples += static_cast<uint64_t>(n);
  m.simulated_seconds += sim_s;
  const double iteration_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.wall_seconds += iteration_s;

  row.iteration = m.iteration;
  row.episodes = m.episodes;
  row.host_ticks = m.host_ticks;
  row.samples = m.samples;
  row.simulated_seconds = m.simulated_seconds;
  row.ticks_per_second = rollout_s > 0 ? static_cast<double>(ticks) / rollout_s : 0;
  row.sim_steps_per_second = rollout_s > 0 ? static_cast<double>(sim_steps) / rollout_s : 0;
  row.mean_episode_reward =
      results.empty() ? 0 : episode_reward / static_cast<double>(results.size());
  row.terms = row.terms.scaled(ticks > 0 ? 1.0 / static_cast<double>(ticks) : 0.0);
  const double u = std::max<double>(1.0, static_cast<double>(updates));
  row.policy_loss = policy_loss / u;
  row.value_loss = value_loss / u;
  row.entropy = entropy / u;
  row.approx_kl = kl / u;
  row.clip_fraction = clipped / u;
  row.action_std = m.net->log_std.detach().exp().mean().item<double>();
  if (c.eval_every > 0 && (m.iteration % c.eval_every == 0 || m.iteration == c.iterations)) {
    const auto eval_start = std::chrono::steady_clock::now();
    const auto eval = self.evaluate(c.eval_episodes);
    if (!eval) return Error{where + ": " + eval.error().message};
    row.eval_reward = *eval;
    m.wall_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - eval_start).count();
  }
  row.wall_seconds = m.wall_seconds;
  m.curve.push_back(row);
  return IterationStats{m.iteration, row};
}

Result<policy::PolicyModel> PpoTrainer::export_model(const std::string& name) const {
  const Impl& m = *impl_;
  if (!m.failure.empty()) return Error{"not exported: training stopped: " + m.failure};
  if (m.range.count == 0) {
    // min = max = 0 for every feature: the agent would take every input as out of distribution.
    return Error{"not exported: nothing was trained on yet (the training range is empty)"};
  }
  try {
    if (!m.finite_parameters()) return Error{"not exported: a network parameter is not finite"};
    return m.model(name);
  } catch (const std::exception& e) {
    return Error{"not exported: " + one_line(e)};
  }
}

std::vector<float> PpoTrainer::torch_actor(const std::vector<float>& normalised_inputs) const {
  torch::NoGradGuard no_grad;
  std::vector<float> in = normalised_inputs;
  const auto rows = static_cast<int64_t>(in.size() / kFeatures);
  const torch::Tensor x =
      torch::from_blob(in.data(), {rows, static_cast<int64_t>(kFeatures)}, torch::kFloat32);
  return to_vector(impl_->net->actor->forward(x));
}

Status PpoTrainer::save_checkpoint(const std::string& path) const {
  const Impl& m = *impl_;
  if (!m.failure.empty()) return Error{path + ": not saved: training stopped: " + m.failure};
  const std::string tmp = path + ".tmp";
  try {
    if (!m.finite_parameters() || !m.finite_normalisation()) {
      return Error{path + ": not saved: the trainer's state is not finite"};
    }
    json state;
    state["format"] = "dwae-train-checkpoint";
    state["version"] = kCheckpointVersion;
    json settings = json::array();
    for (const auto& s : settings_of(m.config)) {
      settings.push_back({{"option", s.option}, {"value", s.value}, {"text", s.text}});
    }
    state["config"] = settings;
    state["seed"] = m.config.seed;
    state["iteration"] = m.iteration;
    state["warmed_up"] = m.warmed_up;
    state["episodes"] = m.episodes;
    state["host_ticks"] = m.host_ticks;
    state["samples"] = m.samples;
    state["simulated_seconds"] = m.simulated_seconds;
    state["wall_seconds"] = m.wall_seconds;
    state["mean"] = std::vector<float>(m.mean.begin(), m.mean.end());
    state["std"] = std::vector<float>(m.std.begin(), m.std.end());
    state["range"] = {{"count", m.range.count},
                      {"mean", m.range.mean},
                      {"m2", m.range.m2},
                      {"min", m.range.min},
                      {"max", m.range.max}};
    std::vector<std::string> rows;
    for (const auto& r : m.curve) rows.push_back(curve_csv_row(r));
    state["curve"] = rows;
    torch::serialize::OutputArchive archive;
    m.net->save(archive);
    torch::serialize::OutputArchive optimiser;
    m.optimiser->save(optimiser);
    archive.write("optimiser", optimiser);
    archive.write("state", c10::IValue(state.dump()));
    archive.save_to(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    return Error{path + ": cannot write checkpoint: " + one_line(e)};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return Error::from_errno(path + ": cannot write checkpoint: rename " + tmp, err);
  }
  return {};
}

namespace {

// The first setting of `config` the checkpoint's `recorded` settings differ in, as an error.
Status compare_settings(const std::string& path, const json& recorded, const PpoConfig& config) {
  for (const auto& s : settings_of(config)) {
    const auto it = std::find_if(recorded.begin(), recorded.end(), [&](const json& r) {
      return r.at("option").get<std::string>() == s.option;
    });
    if (it == recorded.end()) {
      return Error{path + ": the checkpoint does not record " + s.option +
                   "; start again without --resume"};
    }
    if (it->at("value") != s.value) {
      return Error{path + ": the checkpoint was trained with " + s.option + " " +
                   it->at("text").get<std::string>() + ", this run has " + s.option + " " + s.text +
                   "; resume with the options it was trained with, or start again "
                   "without --resume"};
    }
  }
  return {};
}

}  // namespace

Status PpoTrainer::load_checkpoint(const std::string& path) {
  Impl& m = *impl_;
  if (!m.failure.empty()) return Error{m.failure};
  json state;
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
    c10::IValue state_value;
    archive.read("state", state_value);
    state = json::parse(state_value.toStringRef());
    if (state.value("format", "") != "dwae-train-checkpoint")
      return Error{path + ": not a dwae-train checkpoint"};
    if (state.value("version", 0) != kCheckpointVersion || !state.contains("config")) {
      return Error{path + ": a checkpoint of format " + std::to_string(state.value("version", 1)) +
                   " (this dwae-train reads " + std::to_string(kCheckpointVersion) +
                   ", which records the training options); start again without --resume"};
    }
    if (auto st = compare_settings(path, state.at("config"), m.config); !st.ok()) return st;
  } catch (const std::exception& e) {
    return Error{path + ": cannot read checkpoint: " + one_line(e)};
  }
  // From here on the trainer's state is being replaced: a failure leaves it unusable.
  const auto fail = [&](const std::string& message) {
    m.failure = message;
    return Status{Error{message}};
  };
  try {
    m.net->load(archive);
    torch::serialize::InputArchive optimiser;
    archive.read("optimiser", optimiser);
    m.optimiser->load(optimiser);
    m.iteration = state.at("iteration").get<size_t>();
    m.warmed_up = state.at("warmed_up").get<bool>();
    m.episodes = state.at("episodes").get<uint64_t>();
    m.host_ticks = state.at("host_ticks").get<uint64_t>();
    m.samples = state.at("samples").get<uint64_t>();
    m.simulated_seconds = state.at("simulated_seconds").get<double>();
    m.wall_seconds = state.at("wall_seconds").get<double>();
    const auto mean = state.at("mean").get<std::vector<float>>();
    const auto sd = state.at("std").get<std::vector<float>>();
    if (mean.size() != kFeatures || sd.size() != kFeatures)
      return fail(path + ": normalisation has the wrong size");
    std::copy(mean.begin(), mean.end(), m.mean.begin());
    std::copy(sd.begin(), sd.end(), m.std.begin());
    const json& r = state.at("range");
    m.range.count = r.at("count").get<double>();
    m.range.mean = r.at("mean").get<std::array<double, kFeatures>>();
    m.range.m2 = r.at("m2").get<std::array<double, kFeatures>>();
    m.range.min = r.at("min").get<std::array<double, kFeatures>>();
    m.range.max = r.at("max").get<std::array<double, kFeatures>>();
    m.curve.clear();
    for (const auto& line : state.at("curve")) {
      auto row = parse_curve_csv_row(line.get<std::string>());
      if (!row) return fail(path + ": curve: " + row.error().message);
      m.curve.push_back(*row);
    }
    if (m.iteration > m.config.iterations || m.curve.size() != m.iteration ||
        (m.iteration > 0 && !m.warmed_up)) {
      return fail(path + ": inconsistent checkpoint (iteration " + std::to_string(m.iteration) +
                  ", " + std::to_string(m.curve.size()) + " curve rows)");
    }
    if (!m.finite_parameters() || !m.finite_normalisation()) {
      return fail(path + ": the checkpoint holds values that are not finite");
    }
  } catch (const std::exception& e) {
    return fail(path + ": cannot read checkpoint: " + one_line(e));
  }
  return {};
}

}  // namespace dwae::train
