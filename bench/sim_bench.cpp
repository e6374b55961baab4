// Simulator speed: simulated seconds per wall second, and events (request arrivals and
// completions plus scheduling steps) per wall second, for the 16-workload host in
// scenarios/host-16.yaml under the static policy. Goal: >= 10,000x real time on one core.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"

namespace {

dwae::sim::Scenario host16() {
  auto load =
      dwae::sim::load_scenario_file(std::string(DWAE_SOURCE_DIR) + "/scenarios/host-16.yaml");
  if (!load.scenario) std::abort();
  return *load.scenario;
}

// Runs `scenario` under the static policy once per iteration; reports simulated seconds and
// events per wall second.
void run(benchmark::State& state, const dwae::sim::Scenario& scenario) {
  double simulated = 0, events = 0;
  for (auto _ : state) {
    auto policy = dwae::sim::make_policy("static", scenario);
    const auto report = dwae::sim::run_scenario(scenario, **policy).value();
    simulated += report.simulated_seconds;
    events += static_cast<double>(report.events);
    benchmark::DoNotOptimize(report.host.cpu_utilisation);
  }
  state.counters["sim_s_per_wall_s"] = benchmark::Counter(simulated, benchmark::Counter::kIsRate);
  state.counters["events_per_s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
}

// Arg: the scheduling quantum in microseconds.
void BM_SimHost16(benchmark::State& state) {
  dwae::sim::Scenario scenario = host16();
  scenario.duration = std::chrono::seconds(60);
  scenario.quantum = std::chrono::microseconds(state.range(0));
  run(state, scenario);
}
BENCHMARK(BM_SimHost16)
    ->Arg(1000)
    ->Arg(5000)
    ->Arg(10000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);

// The same host at 5 ms quantum with every request rate scaled by Arg/100 (0 = only the fluid
// models: batch CPU, bulk I/O and traffic): shows what requests cost against the step cost.
void BM_SimHost16RequestLoad(benchmark::State& state) {
  dwae::sim::Scenario scenario = host16();
  scenario.duration = std::chrono::seconds(60);
  const double scale = static_cast<double>(state.range(0)) / 100.0;
  for (auto& w : scenario.workloads) {
    w.arrivals.rate *= scale;
    w.arrivals.off_rate *= scale;
  }
  run(state, scenario);
}
BENCHMARK(BM_SimHost16RequestLoad)->Arg(0)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// The same host at 5 ms quantum with its 7 request-driven workloads alone (the batch, storage
// and noisy ones removed): what the requests and their workloads' steps cost if the fluid
// models cost nothing.
void BM_SimHost16RequestDrivenOnly(benchmark::State& state) {
  dwae::sim::Scenario scenario = host16();
  scenario.duration = std::chrono::seconds(60);
  std::erase_if(scenario.workloads, [](const dwae::sim::WorkloadSpec& w) {
    using dwae::sim::WorkloadKind;
    return w.kind != WorkloadKind::kService && w.kind != WorkloadKind::kManaged &&
           w.kind != WorkloadKind::kMetadata && w.kind != WorkloadKind::kVideo;
  });
  run(state, scenario);
}
BENCHMARK(BM_SimHost16RequestDrivenOnly)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
