// Wiring only: load the scenario, override duration and seed, build the policy, run, print.
#include "dwae/cli/sim_command.h"

#include <exception>
#include <iostream>

#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"

namespace dwae::cli {

namespace {
constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kBadInput = 2;
}  // namespace

int run_sim(const SimOptions& options) {
  try {
    auto load = sim::load_scenario_file(options.scenario_path);
    if (!load.scenario) {
      for (const auto& d : load.diagnostics) std::cerr << terminal_safe(d.format()) << "\n";
      return kBadInput;
    }
    sim::Scenario scenario = std::move(*load.scenario);
    if (!options.duration.empty()) {
      const auto d = parse_duration(options.duration);
      if (!d.ok() || d->count() <= 0) {
        std::cerr << "dwae sim: --duration: "
                  << (d.ok() ? std::string("must be positive") : d.error().message) << "\n";
        return kBadInput;
      }
      scenario.duration = *d;
    }
    if (options.seed) scenario.seed = *options.seed;
    if (!options.model.empty() && options.policy != "ppo") {
      std::cerr << "dwae sim: --model applies to --policy ppo only\n";
      return kBadInput;
    }
    auto policy = sim::make_policy(
        options.policy, scenario, options.model.empty() ? sim::kDefaultPolicyModel : options.model);
    if (!policy.ok()) {
      std::cerr << "dwae sim: --policy: " << terminal_safe(policy.error().message) << "\n";
      return kBadInput;
    }
    const auto report = sim::run_scenario(scenario, **policy);
    if (!report.ok()) {
      std::cerr << "dwae sim: " << terminal_safe(options.scenario_path) << ": "
                << report.error().message << "\n";
      return kBadInput;
    }
    std::cout << (options.json ? report->to_json() : report->to_text());
    return std::cout.good() ? kOk : kFailure;
  } catch (const std::exception& e) {
    std::cerr << "dwae sim: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace dwae::cli
