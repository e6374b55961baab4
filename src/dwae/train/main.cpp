// dwae-train: trains the PPO policy on the simulator and evaluates policy files against the
// baselines. Argument parsing and wiring only; the work is in ppo.cpp and evaluate.cpp.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dwae/common/units.h"
#include "dwae/train/curve.h"
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

// Checks, before any work is done, that `path` can be written: its directory exists and takes
// new files (a file is created there and removed again), it is not a directory, and an existing
// file at it can be opened for writing. Writes go to PATH.tmp and are renamed over PATH.
dwae::Status check_writable(const std::string& option, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return dwae::Error{option + ": no file name"};
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  if (fs::is_directory(p, ec)) return dwae::Error{option + " " + path + ": is a directory"};
  if (!fs::is_directory(dir, ec)) {
    return dwae::Error{option + " " + path + ": directory " + dir.string() + " does not exist"};
  }
  std::string probe = (dir / ".dwae-train-probe-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    return dwae::Error::from_errno(option + " " + path + ": cannot create files in " + dir.string(),
                                   errno);
  }
  ::close(fd);
  ::unlink(probe.c_str());
  if (fs::exists(p, ec)) {
    const int existing = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (existing < 0) {
      return dwae::Error::from_errno(option + " " + path + ": cannot write", errno);
    }
    ::close(existing);
  }
  return {};
}

// Files that are the same file (or the same name) would overwrite each other.
dwae::Status check_distinct(const std::vector<std::pair<std::string, std::string>>& files) {
  namespace fs = std::filesystem;
  for (size_t i = 0; i < files.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      std::error_code ec1, ec2;
      const fs::path a = fs::weakly_canonical(files[i].second, ec1);
      const fs::path b = fs::weakly_canonical(files[k].second, ec2);
      if ((!ec1 && !ec2 && a == b) || files[i].second == files[k].second) {
        return dwae::Error{files[i].first + " " + files[i].second + " is also the " +
                           files[k].first + " file"};
      }
    }
  }
  return {};
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
  if (auto st = dwae::train::validate_config(config); !st.ok()) {
    std::cerr << "dwae-train: " << st.error().message << "\n";
    return 2;
  }
  const std::string checkpoint = o.checkpoint.empty() ? o.out + ".ckpt" : o.checkpoint;
  const std::string csv = with_extension(o.out, ".csv"), svg = with_extension(o.out, ".svg");
  // Every file is checked before the first iteration, not when the first one is written.
  const std::vector<std::pair<std::string, std::string>> files = {
      {"--out", o.out}, {"--checkpoint", checkpoint}, {"learning curve", csv}, {"plot", svg}};
  if (auto st = check_distinct(files); !st.ok()) {
    std::cerr << "dwae-train: " << st.error().message << "\n";
    return 2;
  }
  for (const auto& [what, path] : files) {
    if (auto st = check_writable(what, path); !st.ok()) {
      std::cerr << "dwae-train: " << st.error().message << "\n";
      return 2;
    }
  }
  const std::string name = "ppo seed " + std::to_string(config.seed) + ", " +
                           std::to_string(config.iterations) + " iterations of " +
                           std::to_string(config.envs) + " hosts x " + o.episode + ", reward " +
                           dwae::train::format_reward_weights(config.reward);

  dwae::train::PpoTrainer trainer(config);
  // The iteration the checkpoint file holds (none: no checkpoint of this run yet).
  std::optional<size_t> checkpointed;
  if (o.resume && std::filesystem::exists(checkpoint)) {
    if (auto st = trainer.load_checkpoint(checkpoint); !st.ok()) {
      std::cerr << "dwae-train: --resume: " << st.error().message << "\n";
      return 1;
    }
    checkpointed = trainer.iteration();
    std::cout << "resumed from " << checkpoint << " at iteration " << trainer.iteration() << "\n";
  }
  const auto kept = [&] {
    return checkpointed ? checkpoint + " still holds iteration " + std::to_string(*checkpointed)
                        : "no checkpoint was written";
  };
  const auto write_curve = [&] {
    return dwae::train::write_curve(csv, svg, trainer.curve(), "dwae-train: " + name);
  };
  const bool complete = trainer.iteration() == config.iterations;
  if (complete) {
    std::cout << "the checkpoint is already at iteration " << config.iterations << " of "
              << config.iterations << ": nothing to train\n";
  } else {
    std::cout << "training " << name << "\n" << std::flush;
  }
  while (trainer.iteration() < config.iterations) {
    const auto stats = trainer.iterate();
    if (!stats) {
      std::cerr << "dwae-train: " << stats.error().message << "; stopped (" << kept() << ")\n";
      return 1;
    }
    const auto& r = stats->row;
    std::printf(
        "iter %4zu  episode reward %8.3f%s  ticks/s %7.0f  sim steps/s %8.0f  kl %.4f  clip %.3f  "
        "std %.3f  wall %6.0f s\n",
        stats->iteration, r.mean_episode_reward,
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
      checkpointed = trainer.iteration();
      if (auto st = write_curve(); !st.ok()) {
        std::cerr << "dwae-train: " << st.error().message << "\n";
        return 1;
      }
    }
  }
  // A resumed run that was already complete writes what its checkpoint holds: the same files
  // the run wrote when it finished.
  if (complete) {
    if (auto st = write_curve(); !st.ok()) {
      std::cerr << "dwae-train: " << st.error().message << "\n";
      return 1;
    }
  }
  auto model = trainer.export_model(name);
  if (!model) {
    std::cerr << "dwae-train: " << o.out << ": " << model.error().message << "\n";
    return 1;
  }
  if (auto st = dwae::policy::save_policy_file(o.out, *model); !st.ok()) {
    std::cerr << "dwae-train: " << st.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << o.out << ", " << csv << ", " << svg;
  if (complete) {
    std::cout << " (checkpoint " << checkpoint << " unchanged)\n";
  } else {
    std::cout << ", " << checkpoint << "\n";
  }
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
  // Before minutes of runs, not after them.
  if (!o.out.empty()) {
    if (auto st = check_writable("--out", o.out); !st.ok()) {
      std::cerr << "dwae-train: " << st.error().message << "\n";
      return 2;
    }
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
  std::fflush(stdout);
  if (!o.out.empty()) {
    std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
    out << table;
    out.close();
    if (!out) {
      std::cerr << "dwae-train: --out " << o.out << ": cannot write the table\n";
      return 1;
    }
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
    // One line: LibTorch appends a C++ backtrace to its messages.
    std::string message = e.what();
    if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
    std::cerr << "dwae-train: " << message << "\n";
    return 1;
  }
  return 0;
}
