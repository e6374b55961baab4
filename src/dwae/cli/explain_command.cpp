// `dwae explain NAME [--since D]`: why a workload's settings changed, from the audit trail. The
// audit log names workloads as discovery does (svc/<unit>, vm/<domain>, pod/<uid>, a cgroup
// path); with --config, NAME may also be the name of one of its rules, which stands for every
// workload the rule matches on this host now.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "dwae/agent/agent.h"
#include "dwae/agent/audit.h"
#include "dwae/cli/agent_paths.h"
#include "dwae/cli/commands.h"
#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/config/loader.h"
#include "dwae/discovery/discovery.h"
#include "dwae/hostfs/layout.h"

namespace dwae::cli {
namespace {

bool has_rule(const config::Config& cfg, const std::string& name) {
  return std::any_of(cfg.workloads.begin(), cfg.workloads.end(),
                     [&](const config::WorkloadRule& r) { return r.name == name; });
}

// The workloads the config's rule `rule` matches now, as the agent names them; nullopt (after
// saying why) when discovery fails.
std::optional<std::vector<std::string>> workloads_of_rule(const config::Config& cfg,
                                                          const std::string& rule) {
  const hostfs::HostPaths paths;
  const auto layout = hostfs::detect_layout(paths);
  if (!layout) {
    std::fprintf(stderr, "dwae explain: cannot find the workloads of rule %s: %s\n",
                 terminal_safe(rule).c_str(), layout.error().message.c_str());
    return std::nullopt;
  }
  const discovery::Discovery discovery(*layout, hostfs::ProcFs(paths));
  const auto found = discovery.discover(cfg);
  if (!found) {
    std::fprintf(stderr, "dwae explain: cannot find the workloads of rule %s: %s\n",
                 terminal_safe(rule).c_str(), found.error().message.c_str());
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& w : *found) {
    if (w.rule == rule) names.push_back(w.name);
  }
  return names;
}

}  // namespace

int run_explain(const ExplainOptions& options) {
  std::optional<config::Config> cfg;
  if (!options.config_path.empty()) {
    auto loaded = config::load_config_file(options.config_path);
    if (!loaded.ok()) {
      for (const auto& d : loaded.diagnostics) {
        std::fprintf(stderr, "%s\n", terminal_safe(d.format()).c_str());
      }
      return kExitBadInput;
    }
    cfg = std::move(*loaded.config);
  }
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
  const std::string in_last = options.since.empty() ? "" : " in the last " + options.since;

  // The name as the audit log has it, then the workloads of the rule of that name.
  std::vector<std::string> names = {options.workload};
  if (cfg && has_rule(*cfg, options.workload)) {
    const auto of_rule = workloads_of_rule(*cfg, options.workload);
    if (!of_rule) return kExitFailure;
    std::string listed;
    for (const auto& n : *of_rule) listed += (listed.empty() ? "" : ", ") + terminal_safe(n);
    std::printf("%s: rule of %s, matching %zu workload(s) now%s%s\n",
                terminal_safe(options.workload).c_str(), terminal_safe(options.config_path).c_str(),
                of_rule->size(), listed.empty() ? "" : ": ", listed.c_str());
    for (const auto& n : *of_rule) {
      if (n != options.workload) names.push_back(n);
    }
  }

  size_t skipped = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto q = agent::read_audit(path, names[i], since);
    if (!q) {
      std::fprintf(stderr, "%s\n", q.error().message.c_str());
      return kExitFailure;
    }
    skipped = std::max(skipped, q->skipped);  // every read sees the same lines
    // The rule's own name, when the log has nothing under it, says nothing more.
    if (i == 0 && names.size() > 1 && q->records.empty()) continue;
    const std::string workload = terminal_safe(names[i]);
    if (q->records.empty()) {
      std::printf("%s: no changes recorded%s in %s\n", workload.c_str(), in_last.c_str(),
                  path.c_str());
    } else {
      std::printf("%s: %zu change(s)%s\n", workload.c_str(), q->records.size(), in_last.c_str());
      for (const auto& r : q->records) std::printf("%s\n", agent::explain_record(r).c_str());
    }
  }
  if (skipped > 0) std::fprintf(stderr, "%zu unreadable line(s) skipped\n", skipped);
  return kExitOk;
}

}  // namespace dwae::cli
