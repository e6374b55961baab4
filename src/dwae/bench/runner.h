// `dwae bench`'s experiment: for each scenario, test cgroups and real services; per repetition
// the services alone, then one run per controller (interleaved); the agent runs as `dwae run`
// with a generated config. Everything it started (processes, test cgroups, the scratch
// directory) is stopped and removed at the end, also when SIGINT, SIGTERM or SIGHUP arrive (see
// process.h); SIGPIPE is ignored, so a closed progress stream neither kills the run nor stops its
// cleanup. Only SIGKILL skips the cleanup: then the processes it started get SIGKILL from the
// kernel (the agent SIGTERM), the best-effort tools end by their own time limit (the run's
// length plus a minute) in any case, and the test cgroups, the scratch directory and what the
// services forked (nginx's worker) stay behind.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "dwae/bench/results.h"
#include "dwae/bench/scenarios.h"
#include "dwae/common/result.h"

namespace dwae::bench {

struct BenchOptions {
  std::vector<std::string> scenarios;  // empty: all (short mode: steady-1to4)
  bool short_mode = false;
  int repetitions = 0;                          // 0: 3 (short mode: 1)
  std::vector<Controller> controllers;          // empty: all available (short mode: none, feedback)
  std::chrono::milliseconds warmup{0};          // 0: 1.5 s (short mode: 1 s)
  std::chrono::milliseconds measure{0};         // 0: 4 s (short mode: 3 s)
  std::string dwae_binary;                      // runs the agent (`dwae run --config`)
  std::string model_path;                       // for ppo; ppo is left out when the file is missing
  std::function<void(const std::string&)> log;  // one progress line at a time
  bool keep_scratch = false;  // keep the services' files and the tools' output (for debugging)
};

struct BenchPlan {
  std::vector<Scenario> scenarios;
  std::vector<Controller> controllers;
  int repetitions = 0;
  std::chrono::milliseconds warmup{0}, measure{0};
  std::string model_path;
};

// Resolves the defaults; errors name an unknown scenario or a bad value.
Result<BenchPlan> plan_bench(const BenchOptions& options);

// Runs the plan. An error when a scenario cannot be set up or the benchmark was interrupted
// (then interrupted() is true); agent runs that did not stop with exit code 0 are errors too,
// reported after the results are complete (see BenchOutcome).
struct BenchOutcome {
  BenchResults results;
  std::vector<std::string> problems;  // e.g. an agent that exited non-zero
};
Result<BenchOutcome> run_bench(const BenchOptions& options, const BenchPlan& plan);

// "0-1,3" (cpuset.cpus) -> 3.
int count_cpus(const std::string& cpuset_list);

// Per field and per CDF point, the median over repetitions of one service's runs.
ServiceRun median_service_run(const std::vector<ServiceRun>& runs);

}  // namespace dwae::bench
