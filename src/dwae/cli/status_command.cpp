// `dwae status`: the live state the running agent writes at every tick.
#include <chrono>
#include <cstdio>

#include "dwae/agent/agent.h"
#include "dwae/agent/status.h"
#include "dwae/cli/agent_paths.h"
#include "dwae/cli/commands.h"
#include "dwae/common/file.h"

namespace dwae::cli {

int run_status(const StatusOptions& options) {
  const auto section = agent_section(options.config_path, options.state_dir);
  if (!section) return kExitBadInput;
  const std::string path = agent::status_path(*section);
  const auto text = read_regular_file(path, size_t{16} << 20);
  if (!text) {
    std::fprintf(stderr, "no agent is running with state dir %s (%s)\n", section->state_dir.c_str(),
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
