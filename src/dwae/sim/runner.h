// Runs a scenario under a policy: the control loop (sample -> decide -> apply every control
// period) around a SimHost, then the report.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "dwae/common/result.h"
#include "dwae/policy/policy.h"
#include "dwae/sim/report.h"
#include "dwae/sim/scenario.h"

namespace dwae::sim {

// The static settings the scenario gives each workload.
std::map<std::string, ResourceTargets> static_targets(const Scenario& scenario);
// A policy by name: "static", "rule" or "feedback".
Result<std::unique_ptr<policy::Policy>> make_policy(const std::string& name,
                                                    const Scenario& scenario);
Report run_scenario(const Scenario& scenario, policy::Policy& policy);

}  // namespace dwae::sim
