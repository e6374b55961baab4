// Helpers shared by the training tests: reference scenarios by name, small actors.
#pragma once

#include <string>

#include "dwae/sim/scenario.h"

namespace dwae::train::testing {

inline std::string scenario_path(const std::string& name) {
  return std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

inline sim::Scenario load(const std::string& name) {
  auto loaded = sim::load_scenario_file(scenario_path(name));
  return std::move(*loaded.scenario);
}

}  // namespace dwae::train::testing
