// `dwae run`: the agent on this host with a config; without one, the control loop on the
// built-in simulated host (see run_sim_agent).
#include "dwae/agent/agent.h"
#include "dwae/cli/commands.h"

namespace dwae::cli {

int run_run(const RunOptions& options) {
  if (options.config_path.empty()) return run_simulated(options);
  agent::AgentOptions a;
  a.config_path = options.config_path;
  a.dry_run = options.dry_run;
  a.period = options.period;
  a.metrics_address = options.metrics_address;
  a.state_dir = options.state_dir;
  a.duration = options.duration;
  a.use_bpf = !options.no_bpf;
  return agent::run_agent(a);
}

}  // namespace dwae::cli
