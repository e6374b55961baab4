// `dwae run` without a config: the same control loop as on a real host, on the built-in
// simulated host (the noisy-neighbour scenario unless --scenario names another), with a live
// progress line on a terminal and the scenario report at the end.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "dwae/agent/control_loop.h"
#include "dwae/cli/commands.h"
#include "dwae/cli/default_scenario.h"
#include "dwae/cli/period_bounds.h"
#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/sim_host.h"

namespace dwae::cli {
namespace {

// Latency-sensitive run-queue delay P99 over the last tick, worst workload, in ms.
double worst_ls_runq_p99_ms(const agent::TickResult& now, const agent::TickResult& before) {
  double worst = 0;
  for (const auto& info : now.workloads) {
    if (info.class_kind != WorkloadClassKind::kLatencySensitive) continue;
    const WorkloadSample* a = nullptr;
    const WorkloadSample* b = nullptr;
    for (const auto& s : now.sample.workloads) {
      if (s.name == info.name) a = &s;
    }
    for (const auto& s : before.sample.workloads) {
      if (s.name == info.name) b = &s;
    }
    if (a == nullptr || b == nullptr) continue;
    const auto d = Log2Histogram::delta(a->runq_delay_ns, b->runq_delay_ns);
    worst = std::max(worst, d.quantile(0.99) / 1e6);
  }
  return worst;
}

}  // namespace

int run_simulated(const RunOptions& options) {
  auto load = options.scenario_path.empty()
                  ? sim::load_scenario_text(kDefaultScenarioYaml, "built-in:noisy-neighbour.yaml")
                  : sim::load_scenario_file(options.scenario_path);
  if (!load.scenario) {
    for (const auto& d : load.diagnostics) std::cerr << terminal_safe(d.format()) << "\n";
    return kExitBadInput;
  }
  sim::Scenario scenario = std::move(*load.scenario);
  if (options.duration) scenario.duration = *options.duration;
  if (options.period) {
    // main() held it to the agent's bounds; the scenario's own (its quantum) apply as well.
    const auto problem =
        period_out_of_bounds(*options.period, scenario_period_bounds(scenario.quantum));
    if (!problem.empty()) {
      std::cerr << "dwae run: --period " << format_duration(*options.period) << ": " << problem
                << "\n";
      return kExitBadInput;
    }
    scenario.control_period = *options.period;
  }
  auto policy = sim::make_policy(options.policy, scenario);
  if (!policy) {
    std::cerr << "dwae run: --policy: " << terminal_safe(policy.error().message) << "\n";
    return kExitBadInput;
  }
  ManualClock clock;
  sim::SimHost host(scenario, clock);
  agent::ControlLoop loop(host, host, **policy, clock);
  const bool live = options.progress && ::isatty(STDERR_FILENO) == 1;
  std::fprintf(stderr, "dwae run: no config given: simulated host, scenario %s, policy %s, %s\n",
               scenario.name.c_str(), (*policy)->name(),
               format_duration(scenario.duration).c_str());
  agent::TickResult previous;
  uint64_t decisions = 0;
  for (Nanos t{0}; t < scenario.duration;) {
    agent::TickResult tick = loop.tick();
    if (!tick.ok) {
      std::cerr << "dwae run: " << tick.error << "\n";
      return kExitFailure;
    }
    decisions += tick.decision.workloads.size();
    if (live && loop.ticks() % 5 == 0) {
      std::fprintf(
          stderr, "\r  t=%6.1fs/%.0fs  ticks %-6llu decisions %-6llu LS run-queue p99 %7.3f ms ",
          static_cast<double>(t.count()) / 1e9,
          static_cast<double>(scenario.duration.count()) / 1e9,
          static_cast<unsigned long long>(loop.ticks()), static_cast<unsigned long long>(decisions),
          worst_ls_runq_p99_ms(tick, previous));
    }
    previous = std::move(tick);
    t = std::min(scenario.duration, t + scenario.control_period);
    host.run_until(t);
  }
  if (live) std::fprintf(stderr, "\n");
  const sim::Report report = sim::make_report(scenario, host, (*policy)->name());
  std::cout << report.to_text();
  return std::cout.good() ? kExitOk : kExitFailure;
}

}  // namespace dwae::cli
