// `dwae check-config FILE`: every problem as FILE:LINE:COL: message, exit 2 if any.
#include <cstdio>

#include "dwae/cli/commands.h"
#include "dwae/config/loader.h"

namespace dwae::cli {

int run_check_config(const std::string& path) {
  const auto result = config::load_config_file(path);
  for (const auto& d : result.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %zu error(s)\n", path.c_str(), result.diagnostics.size());
    return kExitBadInput;
  }
  std::printf("%s: ok (%zu classes, %zu workload rules, policy %s)\n", path.c_str(),
              result.config->classes.size(), result.config->workloads.size(),
              config::to_string(result.config->policy.kind));
  return kExitOk;
}

}  // namespace dwae::cli
