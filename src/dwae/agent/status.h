// The agent's live state as a small JSON file (state_dir/status.json), replaced atomically at
// every tick: workloads, classes, current settings and SLA status. `dwae status` reads it.
#pragma once

#include <string>

#include "dwae/agent/audit.h"
#include "dwae/agent/control_loop.h"
#include "dwae/common/result.h"

namespace dwae::agent {

struct StatusHeader {
  int pid = 0;
  std::string policy;
  bool dry_run = false;
  Nanos period{0};
  std::string host;  // "real" or "simulated: <scenario>"
  std::string telemetry;
};

// The JSON document for one tick.
std::string status_json(const StatusHeader& header, const TickResult& tick, uint64_t ticks,
                        WallTime now);
// Writes `content` to `path` through a temporary file and rename(2).
Status write_atomically(const std::string& path, const std::string& content);
// Human-readable table of a status document; `now` decides whether it is stale.
Result<std::string> render_status(const std::string& json_text, WallTime now);

}  // namespace dwae::agent
