// `dwae status`: the live state the running agent writes at every tick.
#include <chrono>
#include <cstdio>

#include "dwae/agent/agent.h"
#include "dwae/agent/status.h"
#include "dwae/cli/commands.h"
#include "dwae/common/file.h"
#include "dwae/config/loader.h"

namespace dwae::cli {

int run_status(const StatusOptions& options) {
  config::AgentConfig agent;
  if (!options.config_path.empty()) {
    const auto loaded = config::load_config_file(options.config_path);
    if (!loaded.ok()) {
      for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
      return kExitBadInput;
    }
    agent = loaded.config->agent;
  }
  if (!options.state_dir.empty()) agent.state_dir = options.state_dir;
  const std::string path = agent::status_path(agent);
  const auto text = read_file(path);
  if (!text) {
    std::fprintf(stderr, "no agent is running with state dir %s (%s)\n", agent.state_dir.c_str(),
                 text.error().message.c_str());
    return kExitFailure;
  }
  const auto rendered = agent::render_status(*text, std::chrono::system_clock::now());
  if (!rendered) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), rendered.error().message.c_str());
    return kExitFailure;
  }
  std::fputs(rendered->c_str(), stdout);
  return kExitOk;
}

}  // namespace dwae::cli
