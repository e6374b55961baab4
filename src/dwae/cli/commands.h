// The dwae subcommands, each a function from parsed options to an exit code.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace dwae::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

struct InspectOptions {
  std::string config_path;  // empty: list top-level cgroups
  bool json = false;
  std::string host_root;  // prefix for /proc and /sys (fixture trees); empty on a real host
  int sample_ms = 250;    // interval between the two samples that give live CPU usage
  // Also show the telemetry sources (eBPF, files) and what they saw per workload.
  bool telemetry = false;
};
int run_inspect(const InspectOptions& options);

int run_check_config(const std::string& path);

// Restores every file recorded in the journal; exit 0 when nothing failed.
// `give_up_failed`: delete the journal after the attempt even when some values could not be
// put back (what is given up is printed), so that a value the kernel no longer accepts does
// not keep the agent from starting.
int run_restore(const std::string& journal_path, bool give_up_failed = false);

struct RunOptions {
  std::string config_path;  // empty: the built-in simulated host
  bool dry_run = false;
  std::optional<std::chrono::nanoseconds> period;
  std::optional<std::string> metrics_address;
  std::optional<std::string> state_dir;
  std::optional<std::chrono::nanoseconds> duration;  // stop (and restore) after this long
  bool no_bpf = false;
  // Simulated host only: the scenario (default: the built-in noisy-neighbour) and the policy.
  std::string scenario_path;
  std::string policy = "feedback";
  bool progress = true;  // a live one-line progress display when stderr is a terminal
};
// `dwae run`: the control loop. With a config: the agent on this host (exit 2 on a bad
// config). Without: the built-in simulated host, ending with the scenario report.
int run_run(const RunOptions& options);
int run_simulated(const RunOptions& options);

struct ExplainOptions {
  std::string workload;
  std::string since;        // "10m", "1h"; empty: everything recorded
  std::string audit_path;   // explicit file; else <state dir>/audit.jsonl
  std::string config_path;  // for the state dir
  std::string state_dir;
};
int run_explain(const ExplainOptions& options);

struct StatusOptions {
  std::string config_path;
  std::string state_dir;
};
int run_status(const StatusOptions& options);

}  // namespace dwae::cli
