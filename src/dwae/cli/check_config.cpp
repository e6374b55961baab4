// `dwae check-config FILE`: every problem as FILE:LINE:COL: message, exit 2 if any. A ppo
// policy's model file is loaded as the agent loads it at start and on reload, so a config the
// agent would refuse is not reported ok. Diagnostics quote the file's text: control characters
// in them are escaped (terminal_safe), as `dwae status` and `dwae explain` escape theirs.
#include <cstdio>

#include "dwae/cli/commands.h"
#include "dwae/common/strings.h"
#include "dwae/config/loader.h"
#include "dwae/policy/ppo_policy.h"

namespace dwae::cli {

int run_check_config(const std::string& path) {
  auto result = config::load_config_file(path);
  if (result.ok() && result.config->policy.kind == config::PolicyKind::kPpo) {
    // The agent's own loader, path as written (a relative path is taken from the current
    // directory, as the agent takes it from its own).
    const auto& policy = result.config->policy;
    if (auto model = policy::PpoPolicy::load({}, policy.model_path); !model) {
      result.diagnostics.push_back({policy.model_where, model.error().message});
      result.config.reset();
    }
  }
  const std::string shown_path = terminal_safe(path);
  for (const auto& d : result.diagnostics) {
    std::fprintf(stderr, "%s\n", terminal_safe(d.format()).c_str());
  }
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %zu error(s)\n", shown_path.c_str(), result.diagnostics.size());
    return kExitBadInput;
  }
  std::printf("%s: ok (%zu classes, %zu workload rules, policy %s)\n", shown_path.c_str(),
              result.config->classes.size(), result.config->workloads.size(),
              config::to_string(result.config->policy.kind));
  return kExitOk;
}

}  // namespace dwae::cli
