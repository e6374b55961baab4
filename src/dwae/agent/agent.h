// The agent on a real host: `dwae run --config FILE`. Loads and validates the config, restores
// whatever a crashed run left behind, then runs the control loop every period — discover,
// sample, decide, shield, apply — with the metrics endpoint, the audit trail and the status
// file. SIGHUP reloads the config (validated first; on error the old one stays), SIGTERM and
// SIGINT stop it and restore every value it touched.
#pragma once

#include <optional>
#include <string>

#include "dwae/common/clock.h"
#include "dwae/config/config.h"
#include "dwae/hostfs/layout.h"

namespace dwae::agent {

struct AgentOptions {
  std::string config_path;
  bool dry_run = false;                        // forces dry-run whatever the config says
  std::optional<Nanos> period;                 // overrides agent.period
  std::optional<std::string> metrics_address;  // overrides agent.metrics_address ("" = off)
  std::optional<std::string> state_dir;        // overrides agent.state_dir
  std::optional<Nanos> duration;               // stop (and restore) after this long
  bool use_bpf = true;
  hostfs::HostPaths paths;  // root of /proc and /sys (fixture trees in tests)
};

// Runs until a stop signal or the duration; returns the process exit code: 0 after a clean stop
// with everything restored, 1 when the agent could not start or restore, 2 for a bad config.
int run_agent(const AgentOptions& options);

// Paths under the state directory.
std::string audit_path(const config::AgentConfig& agent);
std::string status_path(const config::AgentConfig& agent);
std::string journal_path(const config::AgentConfig& agent);

}  // namespace dwae::agent
