// dwae-train as an operator runs it (the real binary, real files): options that would train
// nothing, hang or diverge are refused before anything runs; a checkpoint is resumed only with
// the options it was trained with, and resuming a finished run writes what its checkpoint holds
// and says so; output paths are checked before the first iteration; evaluate fails when it
// cannot write its table, starts no more threads than it has runs and reports a thread it cannot
// start. Runs are tiny (1 host x 2 s episodes).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"
#include "train_support.h"

namespace dwae::train {
namespace {

using dwae::test::read_text;

using dwae::test::ProcessResult;

// Runs `argv` to its end (killed after `limit`, exit code -1: a hang is a failure, not a wait).
ProcessResult run_to_end(const std::vector<std::string>& argv) {
  dwae::test::TempDir io;
  const pid_t pid = dwae::test::start_process(argv, io.path() + "/out", io.path() + "/err");
  ProcessResult r;
  r.exit_code = dwae::test::wait_exit(pid, std::chrono::seconds(300));
  r.out = read_text(io.path() + "/out");
  r.err = read_text(io.path() + "/err");
  return r;
}

std::string train_binary() {
  return std::string(DWAE_BINARY_DIR) + "/dwae-train";
}

ProcessResult dwae_train(std::vector<std::string> args) {
  args.insert(args.begin(), train_binary());
  return run_to_end(args);
}

// dwae-train under address-space and stack limits (KiB, as ulimit takes them). Threads get a
// stack of the stack limit, so these decide how many threads can be started.
ProcessResult dwae_train_limited(const std::string& address_space_kib, const std::string& stack_kib,
                                 std::vector<std::string> args) {
  args.insert(args.begin(), {"/bin/sh", "-c",
                             "ulimit -v " + address_space_kib + " && ulimit -s " + stack_kib +
                                 " && exec \"$0\" \"$@\"",
                             train_binary()});
  return run_to_end(args);
}

std::vector<std::string> tiny_train(const std::string& out) {
  return {"train",
          "--out",
          out,
          "--iterations",
          "2",
          "--envs",
          "1",
          "--episode",
          "2s",
          "--scenario",
          testing::scenario_path("noisy-neighbour"),
          "--eval-every",
          "0",
          "--minibatch",
          "64",
          "--checkpoint-every",
          "1"};
}

// `args` with `option` set to `value` (replaced when present, appended otherwise).
std::vector<std::string> with(std::vector<std::string> args, const std::string& option,
                              const std::string& value) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == option) {
      args[i + 1] = value;
      return args;
    }
  }
  args.push_back(option);
  args.push_back(value);
  return args;
}

std::vector<std::string> plus(std::vector<std::string> args, const std::string& flag) {
  args.push_back(flag);
  return args;
}

bool exists(const std::string& path) {
  return std::filesystem::exists(path);
}

// A reference scenario cut to a few simulated seconds (evaluate runs scenarios in full).
std::string short_scenario(const dwae::test::TempDir& dir) {
  std::string text = read_text(testing::scenario_path("noisy-neighbour"));
  const auto at = text.find("\nduration: 60s\n");
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) text.replace(at, 15, "\nduration: 3s\n");
  dir.write("short.yaml", text);
  return dir.path() + "/short.yaml";
}

std::vector<std::string> tiny_evaluate(const std::string& scenario) {
  return {"evaluate",   "--model", std::string(DWAE_SOURCE_DIR) + "/models/default.policy",
          "--scenario", scenario,  "--randomised",
          "0"};
}

TEST(TrainCli, OptionsThatWouldTrainNothingHangOrDivergeAreRefusedBeforeTraining) {
  dwae::test::TempDir dir;
  const std::string out = dir.path() + "/m.policy";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"--minibatch", "0"},       {"--minibatch", "1"},
      {"--epochs", "0"},          {"--envs", "0"},
      {"--iterations", "0"},      {"--episode", "100ms"},
      {"--learning-rate", "1e6"}, {"--learning-rate", "0"},
      {"--learning-rate", "nan"}, {"--gamma", "nan"},
      {"--gamma", "2"},           {"--init-log-std", "nan"},
      {"--entropy", "inf"},       {"--torch-threads", "0"},
  };
  for (const auto& [option, value] : refused) {
    const ProcessResult r = dwae_train(with(tiny_train(out), option, value));
    EXPECT_EQ(r.exit_code, 2) << option << " " << value << ": " << r.err;
    EXPECT_EQ(r.err.rfind("dwae-train: " + option + " ", 0), 0U) << r.err;
    EXPECT_EQ(r.out.find("iter "), std::string::npos) << r.out;
    EXPECT_FALSE(exists(out)) << option << " " << value;
    EXPECT_FALSE(exists(out + ".ckpt")) << option << " " << value;
  }
}

TEST(TrainCli, ResumeRefusesACheckpointOfOtherOptionsAndRewritesNothing) {
  dwae::test::TempDir dir;
  const std::string out = dir.path() + "/m.policy";
  const ProcessResult first = dwae_train(tiny_train(out));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string policy = read_text(out), checkpoint = read_text(out + ".ckpt"),
                    curve = read_text(dir.path() + "/m.csv");
  const std::vector<std::pair<std::string, std::string>> others = {
      {"--envs", "2"},
      {"--episode", "3s"},
      {"--scenario", testing::scenario_path("io-storm")},
      {"--reward", "tail=5"},
      {"--learning-rate", "0.01"},
      {"--iterations", "3"},
      {"--iterations", "1"},
      {"--seed", "2"},
  };
  for (const auto& [option, value] : others) {
    const ProcessResult r = dwae_train(plus(with(tiny_train(out), option, value), "--resume"));
    EXPECT_NE(r.exit_code, 0) << option << " " << value;
    EXPECT_NE(r.err.find("trained with " + option + " "), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("wrote"), std::string::npos) << r.out;
    EXPECT_EQ(read_text(out), policy) << option;
    EXPECT_EQ(read_text(out + ".ckpt"), checkpoint) << option;
    EXPECT_EQ(read_text(dir.path() + "/m.csv"), curve) << option;
  }
}

TEST(TrainCli, ResumingAFinishedRunWritesWhatItsCheckpointHoldsAndOnlyClaimsWhatItWrote) {
  dwae::test::TempDir dir;
  const std::string out = dir.path() + "/m.policy";
  const ProcessResult first = dwae_train(tiny_train(out));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string policy = read_text(out), checkpoint = read_text(out + ".ckpt"),
                    curve = read_text(dir.path() + "/m.csv");
  for (const char* file : {"/m.policy", "/m.csv", "/m.svg"}) {
    std::filesystem::remove(dir.path() + file);
  }

  const ProcessResult again = dwae_train(plus(tiny_train(out), "--resume"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to train"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("iter "), std::string::npos) << again.out;
  // The same files the finished run wrote, and the checkpoint as it was.
  EXPECT_EQ(read_text(out), policy);
  EXPECT_EQ(read_text(dir.path() + "/m.csv"), curve);
  EXPECT_TRUE(exists(dir.path() + "/m.svg"));
  EXPECT_EQ(read_text(out + ".ckpt"), checkpoint);
  // Every file the "wrote" line names exists.
  const auto at = again.out.find("wrote ");
  ASSERT_NE(at, std::string::npos) << again.out;
  std::string line = again.out.substr(at + 6, again.out.find('\n', at) - at - 6);
  line = line.substr(0, line.find(" ("));
  size_t named = 0;
  for (size_t begin = 0; begin <= line.size();) {
    const size_t end = std::min(line.find(", ", begin), line.size());
    const std::string file = line.substr(begin, end - begin);
    EXPECT_TRUE(exists(file)) << "claimed but not written: " << file;
    ++named;
    begin = end + 2;
  }
  EXPECT_EQ(named, 3U) << again.out;
}

TEST(TrainCli, OutputPathsAreCheckedBeforeTheFirstIteration) {
  dwae::test::TempDir dir;
  const std::string out = dir.path() + "/m.policy";
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {with(tiny_train(dir.path() + "/missing/m.policy"), "--checkpoint-every", "0"),
       "does not exist"},
      {tiny_train(dir.path()), "is a directory"},
      {with(tiny_train(out), "--checkpoint", dir.path() + "/missing/m.ckpt"), "does not exist"},
      {tiny_train(dir.path() + "/m.csv"), "is also the --out file"},
      {with(tiny_train(out), "--checkpoint", out), "is also the --out file"},
  };
  for (const auto& c : cases) {
    const ProcessResult r = dwae_train(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("iter "), std::string::npos) << r.out;
  }
  EXPECT_FALSE(exists(dir.path() + "/missing"));
  EXPECT_FALSE(exists(out));
}

TEST(EvaluateCli, WritesItsTableAndFailsWhenItCannotWriteIt) {
  dwae::test::TempDir dir;
  const std::string scenario = short_scenario(dir);
  const ProcessResult ok =
      dwae_train(with(tiny_evaluate(scenario), "--out", dir.path() + "/table.md"));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const std::string table = read_text(dir.path() + "/table.md");
  EXPECT_NE(table.find("| noisy-neighbour | ppo"), std::string::npos) << table;
  EXPECT_EQ(ok.out.find(table), 0U);

  const std::string missing = dir.path() + "/missing/table.md";
  const ProcessResult r = dwae_train(with(tiny_evaluate(scenario), "--out", missing));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--out " + missing), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("| noisy-neighbour"), std::string::npos) << "ran before checking --out";
}

// One scenario is 4 runs. Each thread gets a 256 MiB stack in a 16 GiB address space: the 3
// threads 4 runs need fit, the 999 that --jobs 1000 would ask for do not.
TEST(EvaluateCli, JobsAreCappedAtTheNumberOfRuns) {
  dwae::test::TempDir dir;
  const ProcessResult r = dwae_train_limited(
      "16777216", "262144", with(tiny_evaluate(short_scenario(dir)), "--jobs", "1000"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| noisy-neighbour | ppo"), std::string::npos) << r.out;
}

// A 64 GiB stack per thread in a 32 GiB address space: no thread can be started. (Training's
// rollouts get the same error, tested in rollout_test; LibTorch itself does not start under
// these limits, so `train` is not run here.)
TEST(EvaluateCli, AThreadThatCannotBeStartedIsAnErrorNotACrash) {
  dwae::test::TempDir dir;
  const ProcessResult evaluate = dwae_train_limited(
      "33554432", "67108864", with(tiny_evaluate(short_scenario(dir)), "--jobs", "2"));
  EXPECT_EQ(evaluate.exit_code, 1) << evaluate.err;
  EXPECT_NE(evaluate.err.find("dwae-train: cannot start thread 2 of 2: "), std::string::npos)
      << evaluate.err;
}

}  // namespace
}  // namespace dwae::train
