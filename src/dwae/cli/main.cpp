// dwae: command-line entry point. Parses arguments and hands over to one command.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "dwae/bench/results.h"
#include "dwae/cli/bench_command.h"
#include "dwae/cli/commands.h"
#include "dwae/cli/period_bounds.h"
#include "dwae/cli/record_command.h"
#include "dwae/cli/sim_command.h"
#include "dwae/common/units.h"

namespace {

// A whole number in [min, max] written in decimal digits, checked on the text before CLI11
// converts it: CLI11 alone reads "-1" as 2^64 - 1 into an unsigned option, saturates what
// overflows, and reads "010" as octal. A transform, not a check, so that it can rewrite the
// text CLI11 converts.
CLI::Validator decimal_integer(uint64_t min, uint64_t max) {
  const std::string range = std::to_string(min) + " .. " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        uint64_t value = 0;
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
        if (!digits || parsed.ec != std::errc() || value < min || value > max) {
          return "must be a whole number in " + range + ", not '" + text + "'";
        }
        text = std::to_string(value);  // "010" is ten, not CLI11's octal eight
        return "";
      },
      "INT in " + range, "decimal integer");
}

}  // namespace

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
  inspect_cmd->add_flag("--telemetry", inspect.telemetry,
                        "Also show the telemetry sources and what they saw");
  inspect_cmd->add_option("--host-root", inspect.host_root,
                          "Read /proc and /sys under this directory (for fixture trees)");
  inspect_cmd
      ->add_option("--sample-ms", inspect.sample_ms,
                   "Interval between the two samples giving live usage")
      ->transform(decimal_integer(0, 10000));

  std::string check_path;
  auto* check_cmd = app.add_subcommand("check-config", "Validate a config file");
  check_cmd->add_option("FILE", check_path, "Config file (YAML)")->required();

  dwae::cli::SimOptions sim;
  uint64_t sim_seed = 0;
  auto* sim_cmd = app.add_subcommand("sim", "Run a simulator scenario under a policy and report");
  sim_cmd->add_option("SCENARIO", sim.scenario_path, "Scenario file (YAML)")->required();
  sim_cmd->add_option("--policy", sim.policy, "Policy: static, rule, feedback or ppo")
      ->capture_default_str();
  sim_cmd->add_option("--model", sim.model,
                      "Policy file for --policy ppo (default: models/default.policy)");
  sim_cmd->add_option("--duration", sim.duration,
                      "Simulated time, e.g. 30s (default: the scenario's)");
  auto* seed_opt = sim_cmd->add_option("--seed", sim_seed, "Random seed (default: the scenario's)")
                       ->transform(decimal_integer(0, std::numeric_limits<uint64_t>::max()));
  sim_cmd->add_flag("--json", sim.json, "Print the report as JSON");

  std::string journal_path = "/var/lib/dwae/journal.json";
  auto* restore_cmd = app.add_subcommand(
      "restore", "Put back every cgroup value a previous run changed (after a crash)");
  restore_cmd->add_option("--journal", journal_path, "Journal file")->capture_default_str();
  bool give_up_failed = false;
  restore_cmd->add_flag("--give-up-failed", give_up_failed,
                        "After the attempt, delete the journal even if some values could not be "
                        "put back (they are printed), so that the agent can start again");

  dwae::cli::RecordOptions record;
  auto* record_cmd = app.add_subcommand(
      "record", "Record per-tick per-workload samples to an Arrow IPC stream file");
  record_cmd->add_option("--out", record.out_path, "Output file (Arrow IPC stream)")->required();
  record_cmd->add_option("--duration", record.duration,
                         "How long to record, e.g. 60s (default with --scenario: the scenario's)");
  record_cmd->add_option("--period", record.period,
                         "Sampling period, e.g. 200ms (host: 50ms .. 10s; scenario: at least 1ms "
                         "and its quantum)");
  record_cmd->add_option("--config", record.config_path, "Config file (YAML) of this host")
      ->check(CLI::ExistingFile);
  record_cmd
      ->add_option("--scenario", record.scenario_path,
                   "Record this simulator scenario (YAML) instead of the host")
      ->check(CLI::ExistingFile);
  record_cmd->add_option("--policy", record.policy, "With --scenario: static, rule or feedback")
      ->capture_default_str();
  record_cmd->add_option("--raw-events", record.raw_events_path,
                         "Also record this host's raw eBPF events to this Arrow IPC stream file");
  record_cmd
      ->add_option("--raw-sample-every", record.raw_sample_every,
                   "With --raw-events: record one in N events (default 1: all)")
      ->transform(decimal_integer(1, std::numeric_limits<uint32_t>::max()));

  dwae::cli::RunOptions run;
  std::string run_period, run_duration, run_metrics, run_state_dir;
  auto* run_cmd = app.add_subcommand(
      "run", "Run the control loop: on this host with --config, else on the simulated host");
  run_cmd->add_option("--config", run.config_path, "Config file (YAML)")->check(CLI::ExistingFile);
  run_cmd->add_flag("--dry-run", run.dry_run, "Decide and log, write nothing");
  run_cmd->add_option("--period", run_period, "Control period, e.g. 200ms (50ms .. 10s)");
  run_cmd->add_option("--metrics-address", run_metrics,
                      "Metrics endpoint HOST:PORT (empty string: off)");
  run_cmd->add_option("--state-dir", run_state_dir, "Journal, audit log and status directory");
  run_cmd->add_option("--duration", run_duration, "Stop (and restore) after this long");
  run_cmd->add_flag("--no-bpf", run.no_bpf, "Do not load eBPF programs (files and PSI only)");
  run_cmd->add_option("--scenario", run.scenario_path,
                      "Without --config: scenario file to simulate (default: built-in)");
  run_cmd->add_option("--policy", run.policy, "Without --config: static, rule, feedback or ppo")
      ->capture_default_str();
  run_cmd->add_flag("!--no-progress", run.progress, "No live progress line");

  dwae::cli::ExplainOptions explain;
  auto* explain_cmd =
      app.add_subcommand("explain", "Say why a workload's settings changed (from the audit log)");
  explain_cmd
      ->add_option("WORKLOAD", explain.workload,
                   "Workload name as the audit log has it (svc/UNIT, vm/DOMAIN, pod/UID, a "
                   "cgroup path), or with --config the name of one of its rules")
      ->required();
  explain_cmd->add_option("--since", explain.since, "Only changes in the last D, e.g. 10m");
  explain_cmd->add_option("--audit", explain.audit_path, "Audit log file");
  explain_cmd->add_option("--config", explain.config_path,
                          "Config file (its state dir and rule names)");
  explain_cmd->add_option("--state-dir", explain.state_dir, "State directory of the agent");

  dwae::cli::StatusOptions status;
  auto* status_cmd = app.add_subcommand("status", "Show the running agent's live state");
  status_cmd->add_option("--config", status.config_path, "Config file (for its state dir)");
  status_cmd->add_option("--state-dir", status.state_dir, "State directory of the agent");

  dwae::cli::BenchCommandOptions bench;
  auto* bench_cmd = app.add_subcommand(
      "bench", "Benchmark this host: real services in test cgroups under each controller, report");
  bench_cmd->add_option("SCENARIO", bench.scenarios, "Scenarios to run (default: all; --list)");
  bench_cmd->add_flag("--short", bench.short_mode,
                      "Smoke run: one scenario, one repetition, none and feedback");
  bench_cmd->add_option("--out", bench.out_dir, "Report directory")->capture_default_str();
  bench_cmd->add_option("--repetitions", bench.repetitions, "Repetitions (default 3)")
      ->transform(decimal_integer(1, dwae::bench::kMaxRepetitions));
  auto* controllers_opt =
      bench_cmd->add_option("--controllers", bench.controllers,
                            "Comma-separated: none, static-best, rule, feedback, ppo");
  bench_cmd->add_option("--from", bench.from, "Re-report this results.json; measure nothing")
      ->check(CLI::ExistingFile);
  bench_cmd->add_option("--model", bench.model, "Policy file for ppo")->capture_default_str();
  bench_cmd->add_option("--warmup", bench.warmup, "Load before measuring, per run (default 1.5s)");
  bench_cmd->add_option("--duration", bench.measure, "Measured load per run (default 4s)");
  bench_cmd->add_flag("--list", bench.list, "List the scenarios");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : dwae::cli::kExitBadInput;
  }
  if (*inspect_cmd) return dwae::cli::run_inspect(inspect);
  if (*check_cmd) return dwae::cli::run_check_config(check_path);
  if (*restore_cmd) return dwae::cli::run_restore(journal_path, give_up_failed);
  if (*record_cmd) return dwae::cli::run_record(record);
  if (*bench_cmd) {
    bench.controllers_given = controllers_opt->count() > 0;
    return dwae::cli::run_bench_command(bench);
  }
  if (*run_cmd) {
    const auto duration_of =
        [](const std::string& text,
           const char* flag) -> std::optional<std::optional<std::chrono::nanoseconds>> {
      if (text.empty()) return std::optional<std::chrono::nanoseconds>{};
      const auto d = dwae::parse_duration(text);
      if (!d.ok() || d->count() <= 0) {
        std::fprintf(stderr, "dwae run: %s %s: %s\n", flag, text.c_str(),
                     d.ok() ? "must be positive" : d.error().message.c_str());
        return std::nullopt;
      }
      return std::optional<std::chrono::nanoseconds>{*d};
    };
    const auto period = duration_of(run_period, "--period");
    const auto duration = duration_of(run_duration, "--duration");
    if (!period || !duration) return dwae::cli::kExitBadInput;
    if (*period) {
      // The agent's period on this host and on the simulated one (which also checks the
      // scenario's quantum).
      const auto problem = dwae::cli::period_out_of_bounds(**period, dwae::cli::kAgentPeriodBounds);
      if (!problem.empty()) {
        std::fprintf(stderr, "dwae run: --period %s: %s\n", run_period.c_str(), problem.c_str());
        return dwae::cli::kExitBadInput;
      }
    }
    run.period = *period;
    run.duration = *duration;
    if (run_cmd->count("--metrics-address") > 0) run.metrics_address = run_metrics;
    if (run_cmd->count("--state-dir") > 0) run.state_dir = run_state_dir;
    return dwae::cli::run_run(run);
  }
  if (*explain_cmd) return dwae::cli::run_explain(explain);
  if (*status_cmd) return dwae::cli::run_status(status);
  if (*sim_cmd) {
    if (seed_opt->count() > 0) sim.seed = sim_seed;
    return dwae::cli::run_sim(sim);
  }
  return dwae::cli::kExitBadInput;
}
