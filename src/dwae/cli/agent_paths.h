// The agent section a command reads its state directory from: the config's (when given), with
// --state-dir on top. Shared by `dwae status` and `dwae explain`.
#pragma once

#include <optional>
#include <string>

#include "dwae/config/config.h"

namespace dwae::cli {

// nullopt after printing the config's diagnostics (the caller exits 2).
std::optional<config::AgentConfig> agent_section(const std::string& config_path,
                                                 const std::string& state_dir);

}  // namespace dwae::cli
