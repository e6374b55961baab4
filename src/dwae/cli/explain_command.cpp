// `dwae explain WORKLOAD [--since D]`: why a workload's settings changed, from the audit trail.
#include <chrono>
#include <cstdio>

#include "dwae/agent/agent.h"
#include "dwae/agent/audit.h"
#include "dwae/cli/agent_paths.h"
#include "dwae/cli/commands.h"
#include "dwae/common/strings.h"
#include "dwae/common/units.h"

namespace dwae::cli {

int run_explain(const ExplainOptions& options) {
  std::string path = options.audit_path;
  if (path.empty()) {
    const auto section = agent_section(options.config_path, options.state_dir);
    if (!section) return kExitBadInput;
    path = agent::audit_path(*section);
  }
  std::optional<agent::WallTime> since;
  if (!options.since.empty()) {
    const auto d = parse_duration(options.since);
    if (!d) {
      std::fprintf(stderr, "--since %s: %s\n", options.since.c_str(), d.error().message.c_str());
      return kExitBadInput;
    }
    since = std::chrono::system_clock::now() -
            std::chrono::duration_cast<std::chrono::system_clock::duration>(*d);
  }
  const auto q = agent::read_audit(path, options.workload, since);
  if (!q) {
    std::fprintf(stderr, "%s\n", q.error().message.c_str());
    return kExitFailure;
  }
  const std::string workload = terminal_safe(options.workload);
  if (q->records.empty()) {
    std::printf("%s: no changes recorded%s in %s\n", workload.c_str(),
                options.since.empty() ? "" : (" in the last " + options.since).c_str(),
                path.c_str());
  } else {
    std::printf("%s: %zu change(s)%s\n", workload.c_str(), q->records.size(),
                options.since.empty() ? "" : (" in the last " + options.since).c_str());
    for (const auto& r : q->records) std::printf("%s\n", agent::explain_record(r).c_str());
  }
  if (q->skipped > 0) std::fprintf(stderr, "%zu unreadable line(s) skipped\n", q->skipped);
  return kExitOk;
}

}  // namespace dwae::cli
