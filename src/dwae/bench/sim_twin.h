#pragma once
// Sim versus real: each real bench scenario has a simulator twin (scenarios/bench/<name>.yaml: a
// 2-core host with the same tenants). The twin runs alone and under the policies that match the
// bench controllers, and its P99-ratio trends are compared with the real ones.
//
//   none        -> static, the twin's settings as written (default weights)
//   static-best -> static, best-effort workloads at cpu.weight 1, cpu.idle and io.weight 1
//   rule, feedback, ppo -> the same policies, driven by the simulator
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dwae/bench/results.h"
#include "dwae/bench/summary.h"
#include "dwae/common/result.h"
#include "dwae/sim/scenario.h"

namespace dwae::bench {

struct SimTwinOptions {
  std::filesystem::path scenarios_dir = "scenarios/bench";
  std::string model_path = "models/default.policy";  // for ppo
  std::optional<std::chrono::nanoseconds> duration;  // override the twins' durations
};

std::filesystem::path sim_twin_file(const SimTwinOptions& options, const std::string& scenario);
Result<sim::Scenario> load_sim_twin(const SimTwinOptions& options, const std::string& scenario);

// The twin with only its latency-sensitive classes and their workloads (the 1.0 reference).
sim::Scenario alone_variant(const sim::Scenario& scenario);
// The twin with its best-effort workloads at minimum CPU and I/O weight and cpu.idle.
sim::Scenario static_best_variant(const sim::Scenario& scenario);

struct SimControllerResult {
  Controller controller = Controller::none;
  std::string error;  // set when this controller could not run (e.g. no trained ppo policy)
  std::vector<std::string> services;
  std::vector<double> p99_ms, p99_ratio;  // per service, in `services` order
  double worst_p99_ratio = 0;
  double work_conservation = 0;  // best-effort throughput / its throughput under none (NaN: none)
};

struct SimTwinResult {
  std::string scenario;
  std::filesystem::path file;
  std::string error;  // set when the twin is missing or invalid; nothing ran
  std::vector<SimControllerResult> controllers;
  const SimControllerResult* find(Controller c) const;
};

SimTwinResult run_sim_twin(const std::string& scenario, const std::vector<Controller>& controllers,
                           const SimTwinOptions& options);

// How a controller moved the worst P99 ratio relative to none: down, flat (within 10 %) or up.
enum class Trend { lower, flat, higher, unknown };
const char* to_string(Trend trend);
Trend trend_vs_none(double ratio, double none_ratio);

struct ControllerAgreement {
  Controller controller = Controller::none;
  double real_ratio = 0, sim_ratio = 0;  // worst P99 ratio: real mean over repetitions, sim
  double real_work_conservation = 0, sim_work_conservation = 0;  // shown, not judged
  Trend real_trend = Trend::unknown, sim_trend = Trend::unknown;
  bool agree = false;     // same trend vs none (none itself is not judged)
  std::string sim_error;  // why the simulator could not run this controller
};

struct ScenarioAgreement {
  std::string scenario;
  std::string error;  // the twin's, when it could not run
  std::vector<ControllerAgreement> controllers;
  // Kendall's tau between the real and the simulated ranking of controllers by worst P99
  // ratio (1: same order, -1: reversed); NaN with fewer than two comparable controllers.
  double rank_tau = 0;
  int judged = 0, agreeing = 0;  // controllers other than none with a trend on both sides
  std::string verdict;           // "agree", "partly", "disagree" or "not comparable"
};

ScenarioAgreement compare_sim_real(const ScenarioSummary& real, const SimTwinResult& sim);

}  // namespace dwae::bench
