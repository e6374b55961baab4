// dwae-train: trains the PPO policy on the simulator and evaluates policy files against the
// baselines. Argument parsing and wiring only; the work is in ppo.cpp and evaluate.cpp.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "dwae/common/units.h"
#include "dwae/train/evaluate.h"
#include "dwae/train/ppo.h"
#include "dwae/train/randomise.h"

namespace {

using dwae::train::PpoConfig;

const std::vector<std::string> kReferenceScenarios = {
    "scenarios/diurnal-mix.yaml",         "scenarios/io-storm.yaml",
    "scenarios/memory-leak-oom.yaml",     "scenarios/noisy-neighbour.yaml",
    "scenarios/trading-low-latency.yaml", "scenarios/video-cloud-peak.yaml"};

std::string with_extension(const std::string& path, const std::string& ext) {
  return std::filesystem::path(path).replace_extension(ext).string();
}

struct TrainOptions {
  std::string out = "models/default.policy";
  std::vector<std::string> scenarios = kReferenceScenarios;
  std::string episode = "60s";
  std::string reward;
  std::string checkpoint;  // default: OUT.ckpt
  size_t checkpoint_every = 10;
  bool resume = false;
};

int run_train(PpoConfig config, const TrainOptions& o) {
  auto scenarios = dwae::train::load_scenarios(o.scenarios);
  if (!scenarios) {
    std::cerr << "dwae-train: " << scenarios.error().message << "\n";
    return 2;
  }
  config.scenarios = std::move(*scenarios);
  const auto episode = dwae::parse_duration(o.episode);
  if (!episode || episode->count() <= 0) {
    std::cerr << "dwae-train: --episode: expected a duration such as 60s\n";
    return 2;
  }
  config.episode = *episode;
  auto weights = dwae::train::parse_reward_weights(o.reward);
  if (!weights) {
    std::cerr << "dwae-train: --reward: " << weights.error().message << "\n";
    return 2;
  }
  config.reward = *weights;
  const std::string checkpoint = o.checkpoint.empty() ? o.out + ".ckpt" : o.checkpoint;
  const std::string csv = with_extension(o.out, ".csv"), svg = with_extension(o.out, ".svg");
  const std::string name = "ppo seed " + std::to_string(config.seed) + ", " +
                           std::to_string(config.iterations) + " iterations of " +
                           std::to_string(config.envs) + " hosts x " + o.episode + ", reward " +
                           dwae::train::format_reward_weights(config.reward);

  dwae::train::PpoTrainer trainer(config);
  if (o.resume && std::filesystem::exists(checkpoint)) {
    if (auto st = trainer.load_checkpoint(checkpoint); !st.ok()) {
      std::cerr << "dwae-train: --resume: " << st.error().message << "\n";
      return 1;
    }
    std::cout << "resumed from " << checkpoint << " at iteration " << trainer.iteration() << "\n";
  }
  std::cout << "training " << name << "\n" << std::flush;
  while (trainer.iteration() < config.iterations) {
    const auto stats = trainer.iterate();
    const auto& r = stats.row;
    std::printf(
        "iter %4zu  episode reward %8.3f%s  ticks/s %7.0f  sim steps/s %8.0f  kl %.4f  clip %.3f  "
        "std %.3f  wall %6.0f s\n",
        stats.iteration, r.mean_episode_reward,
        r.eval_reward ? ("  eval " + std::to_string(*r.eval_reward)).c_str() : "",
        r.ticks_per_second, r.sim_steps_per_second, r.approx_kl, r.clip_fraction, r.action_std,
        r.wall_seconds);
    std::fflush(stdout);
    const bool last = trainer.iteration() == config.iterations;
    if (last || (o.checkpoint_every > 0 && trainer.iteration() % o.checkpoint_every == 0)) {
      if (auto st = trainer.save_checkpoint(checkpoint); !st.ok()) {
        std::cerr << "dwae-train: " << st.error().message << "\n";
        return 1;
      }
      if (auto st = dwae::train::write_curve(csv, svg, trainer.curve(), "dwae-train: " + name);
          !st.ok()) {
        std::cerr << "dwae-train: " << st.error().message << "\n";
        return 1;
      }
    }
  }
  if (auto st = dwae::policy::save_policy_file(o.out, trainer.export_model(name)); !st.ok()) {
    std::cerr << "dwae-train: " << st.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << o.out << ", " << csv << ", " << svg << " (checkpoint " << checkpoint
            << ")\n";
  return 0;
}

struct EvaluateOptions {
  std::string model = "models/default.policy";
  std::vector<std::string> scenarios = kReferenceScenarios;
  size_t randomised = 20;
  std::string duration = "60s";
  unsigned jobs = 1;
  std::string reward;
  std::string out;
};

int run_evaluate(const EvaluateOptions& o) {
  auto bases = dwae::train::load_scenarios(o.scenarios);
  if (!bases) {
    std::cerr << "dwae-train: " << bases.error().message << "\n";
    return 2;
  }
  const auto duration = dwae::parse_duration(o.duration);
  if (!duration || duration->count() <= 0) {
    std::cerr << "dwae-train: --duration: expected a duration such as 60s\n";
    return 2;
  }
  // The reference scenarios as they are, then randomised ones on evaluation seeds.
  std::vector<dwae::sim::Scenario> scenarios = *bases;
  for (size_t i = 0; i < o.randomised; ++i) {
    const auto& base = (*bases)[i % bases->size()];
    scenarios.push_back(
        dwae::train::randomise_scenario(base, dwae::train::kEvaluationSeedBase + i, *duration, {}));
  }
  auto weights = dwae::train::parse_reward_weights(o.reward);
  if (!weights) {
    std::cerr << "dwae-train: --reward: " << weights.error().message << "\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  auto scores = dwae::train::evaluate_policies(scenarios, o.model, o.jobs, *weights);
  if (!scores) {
    std::cerr << "dwae-train: " << scores.error().message << "\n";
    return 1;
  }
  const std::string table = dwae::train::scores_markdown(*scores);
  std::cout << table;
  std::printf("(%zu scenarios x 4 policies in %.1f s)\n", scenarios.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!o.out.empty()) {
    std::ofstream out(o.out);
    out << table;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dwae-train: PPO training of the DWAE policy on the simulator"};
  app.require_subcommand(1);

  PpoConfig config;
  TrainOptions train;
  auto* train_cmd = app.add_subcommand("train", "Train a policy file from scratch (or resume)");
  train_cmd
      ->add_option("--out", train.out, "Policy file to write; the learning curve goes beside it")
      ->capture_default_str();
  train_cmd->add_option("--seed", config.seed, "Run seed")->capture_default_str();
  train_cmd->add_option("--iterations", config.iterations, "PPO iterations")->capture_default_str();
  train_cmd->add_option("--envs", config.envs, "Simulated hosts per iteration")
      ->capture_default_str();
  train_cmd->add_option("--episode", train.episode, "Simulated time per episode")
      ->capture_default_str();
  train_cmd->add_option("--scenario", train.scenarios, "Reference scenarios to randomise");
  train_cmd->add_option("--reward", train.reward,
                        "Reward weights, e.g. tail=1,sla=2,utilisation=1 (docs/training.md)");
  train_cmd->add_option("--learning-rate", config.learning_rate)->capture_default_str();
  train_cmd->add_option("--entropy", config.entropy, "Entropy bonus coefficient")
      ->capture_default_str();
  train_cmd->add_option("--epochs", config.epochs)->capture_default_str();
  train_cmd->add_option("--minibatch", config.minibatch)->capture_default_str();
  train_cmd->add_option("--gamma", config.gamma)->capture_default_str();
  train_cmd->add_option("--init-log-std", config.init_log_std)->capture_default_str();
  train_cmd
      ->add_option("--eval-every", config.eval_every,
                   "Deterministic evaluation every N iterations (0: never)")
      ->capture_default_str();
  train_cmd->add_option("--jobs", config.jobs, "Hosts simulated in parallel")
      ->capture_default_str();
  train_cmd->add_option("--torch-threads", config.torch_threads, "LibTorch intra-op threads")
      ->capture_default_str();
  train_cmd->add_option("--checkpoint", train.checkpoint, "Checkpoint file (default: OUT.ckpt)");
  train_cmd->add_option("--checkpoint-every", train.checkpoint_every)->capture_default_str();
  train_cmd->add_flag("--resume", train.resume, "Continue from the checkpoint if there is one");

  EvaluateOptions eval;
  auto* eval_cmd = app.add_subcommand(
      "evaluate",
      "Compare static, rule, feedback and ppo (MODEL) on reference and randomised "
      "scenarios with evaluation seeds");
  eval_cmd->add_option("--model", eval.model, "Policy file")->capture_default_str();
  eval_cmd->add_option("--scenario", eval.scenarios, "Reference scenarios");
  eval_cmd->add_option("--randomised", eval.randomised, "Randomised scenarios to add")
      ->capture_default_str();
  eval_cmd->add_option("--duration", eval.duration, "Simulated time of randomised scenarios")
      ->capture_default_str();
  eval_cmd->add_option("--jobs", eval.jobs, "Runs in parallel")->capture_default_str();
  eval_cmd->add_option("--reward", eval.reward, "Reward weights for the reward column");
  eval_cmd->add_option("--out", eval.out, "Also write the table to this file");

  CLI11_PARSE(app, argc, argv);
  try {
    if (train_cmd->parsed()) return run_train(config, train);
    if (eval_cmd->parsed()) return run_evaluate(eval);
  } catch (const std::exception& e) {
    std::cerr << "dwae-train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
