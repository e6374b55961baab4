// dwae: command-line entry point. Parses arguments and hands over to one command.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "dwae/cli/commands.h"
#include "dwae/cli/sim_command.h"

int main(int argc, char** argv) {
  CLI::App app{"DWAE - dynamic weight allocation engine for multi-tenant Linux hosts"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dwae 0.1.0");

  dwae::cli::InspectOptions inspect;
  auto* inspect_cmd = app.add_subcommand(
      "inspect", "Show the cgroup layout and the workloads a config matches, with live values");
  inspect_cmd->add_option("--config", inspect.config_path, "Config file (YAML)")
      ->check(CLI::ExistingFile);
  inspect_cmd->add_flag("--json", inspect.json, "Print JSON instead of a table");
  inspect_cmd->add_option("--host-root", inspect.host_root,
                          "Read /proc and /sys under this directory (for fixture trees)");
  inspect_cmd
      ->add_option("--sample-ms", inspect.sample_ms,
                   "Interval between the two samples giving live usage")
      ->check(CLI::Range(0, 10000));

  std::string check_path;
  auto* check_cmd = app.add_subcommand("check-config", "Validate a config file");
  check_cmd->add_option("FILE", check_path, "Config file (YAML)")->required();

  dwae::cli::SimOptions sim;
  uint64_t sim_seed = 0;
  auto* sim_cmd = app.add_subcommand("sim", "Run a simulator scenario under a policy and report");
  sim_cmd->add_option("SCENARIO", sim.scenario_path, "Scenario file (YAML)")->required();
  sim_cmd->add_option("--policy", sim.policy, "Policy: static, rule or feedback")
      ->capture_default_str();
  sim_cmd->add_option("--duration", sim.duration,
                      "Simulated time, e.g. 30s (default: the scenario's)");
  auto* seed_opt = sim_cmd->add_option("--seed", sim_seed, "Random seed (default: the scenario's)");
  sim_cmd->add_flag("--json", sim.json, "Print the report as JSON");

  std::string journal_path = "/var/lib/dwae/journal.json";
  auto* restore_cmd = app.add_subcommand(
      "restore", "Put back every cgroup value a previous run changed (after a crash)");
  restore_cmd->add_option("--journal", journal_path, "Journal file")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : dwae::cli::kExitBadInput;
  }
  if (*inspect_cmd) return dwae::cli::run_inspect(inspect);
  if (*check_cmd) return dwae::cli::run_check_config(check_path);
  if (*restore_cmd) return dwae::cli::run_restore(journal_path);
  if (*sim_cmd) {
    if (seed_opt->count() > 0) sim.seed = sim_seed;
    return dwae::cli::run_sim(sim);
  }
  return dwae::cli::kExitBadInput;
}
