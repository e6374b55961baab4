// `dwae bench [SCENARIO...] [--short] [--out DIR] [--repetitions N] [--controllers LIST]
// [--from results.json]`: the real-host benchmark (dwae/bench) and its report.
#pragma once

#include <string>
#include <vector>

namespace dwae::cli {

struct BenchCommandOptions {
  std::vector<std::string> scenarios;
  bool short_mode = false;
  std::string out_dir = "bench-results";
  int repetitions = 0;             // 0: the benchmark's default
  std::string controllers;         // comma-separated; not given: the default set
  bool controllers_given = false;  // --controllers was on the command line (even as '')
  std::string from;                // re-report this results.json instead of measuring
  std::string model = "models/default.policy";
  std::string warmup;   // e.g. "2s"; empty: default
  std::string measure;  // e.g. "5s"; empty: default
  bool list = false;    // print the scenarios and exit
};

// Exit codes: 0 ok; 1 failure (a scenario could not run, an agent did not stop cleanly, the
// report could not be written); 2 bad input; 128 + signal when interrupted (after cleanup).
int run_bench_command(const BenchCommandOptions& options);

}  // namespace dwae::cli
