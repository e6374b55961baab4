// The control period a command line may set (`dwae run --period`, `dwae record --period`): the
// bounds of the file setting it overrides, so that the command line cannot ask for what a file
// may not (a 1 ns period is a billion ticks per simulated second).
#pragma once

#include <algorithm>
#include <chrono>
#include <string>

#include "dwae/common/units.h"
#include "dwae/config/config.h"
#include "dwae/sim/scenario.h"

namespace dwae::cli {

struct PeriodBounds {
  std::chrono::nanoseconds min;
  std::chrono::nanoseconds max;
  const char* setting;  // the file setting with these bounds, for the message
};

// A config's agent.period (config/validate.cpp, docs/config.md).
inline constexpr PeriodBounds kAgentPeriodBounds{config::kMinAgentPeriod, config::kMaxAgentPeriod,
                                                 "agent.period"};

// A scenario's control_period (sim/scenario_loader.cpp): at least kMinControlPeriod and at
// least the scenario's quantum; no upper bound.
inline PeriodBounds scenario_period_bounds(std::chrono::nanoseconds quantum) {
  return {std::max<std::chrono::nanoseconds>(sim::kMinControlPeriod, quantum),
          std::chrono::nanoseconds::max(),
          "the scenario's control_period: at least 1ms and its quantum"};
}

// Empty when `period` is within `bounds`; else why not, e.g. "must be between 50ms and 10s
// (as agent.period)".
inline std::string period_out_of_bounds(std::chrono::nanoseconds period,
                                        const PeriodBounds& bounds) {
  if (period >= bounds.min && period <= bounds.max) return "";
  const std::string range = bounds.max == std::chrono::nanoseconds::max()
                                ? "must be at least " + format_duration(bounds.min)
                                : "must be between " + format_duration(bounds.min) + " and " +
                                      format_duration(bounds.max);
  return range + " (as " + bounds.setting + ")";
}

}  // namespace dwae::cli
