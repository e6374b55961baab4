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
// The trained policy file "ppo" loads unless told otherwise (relative to the working directory).
inline constexpr const char* kDefaultPolicyModel = "models/default.policy";
// A policy by name: "static", "rule", "feedback" or "ppo" (which loads `model_path`).
Result<std::unique_ptr<policy::Policy>> make_policy(
    const std::string& name, const Scenario& scenario,
    const std::string& model_path = kDefaultPolicyModel);
// An error when the host refuses the first decision (the scenario's settings as the policy
// starts from them): the run would otherwise go on with those workloads unconfigured.
Result<Report> run_scenario(const Scenario& scenario, policy::Policy& policy);
// The report of a host that has run `scenario` (what run_scenario returns at its end).
class SimHost;
Report make_report(const Scenario& scenario, SimHost& host, const std::string& policy_name);

}  // namespace dwae::sim
