// agent_section(): config file -> agent section, --state-dir applied.
#include "dwae/cli/agent_paths.h"

#include <cstdio>

#include "dwae/common/strings.h"
#include "dwae/config/loader.h"

namespace dwae::cli {

std::optional<config::AgentConfig> agent_section(const std::string& config_path,
                                                 const std::string& state_dir) {
  config::AgentConfig agent;
  if (!config_path.empty()) {
    const auto loaded = config::load_config_file(config_path);
    if (!loaded.ok()) {
      for (const auto& d : loaded.diagnostics) {
        std::fprintf(stderr, "%s\n", terminal_safe(d.format()).c_str());
      }
      return std::nullopt;
    }
    agent = loaded.config->agent;
  }
  if (!state_dir.empty()) agent.state_dir = state_dir;
  return agent;
}

}  // namespace dwae::cli
