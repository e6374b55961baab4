// `dwae restore [--journal PATH]`: puts back every cgroup value a previous run changed.
#include <cstdio>

#include "dwae/actuator/filesystem.h"
#include "dwae/actuator/journal.h"
#include "dwae/cli/commands.h"

namespace dwae::cli {

int run_restore(const std::string& journal_path) {
  actuator::RealFileSystem fs;
  const auto report = actuator::restore_journal(journal_path, fs);
  for (const auto& m : report.messages) std::fprintf(stderr, "%s\n", m.c_str());
  std::printf("restore: %zu restored, %zu skipped (cgroup gone), %zu failed\n", report.restored,
              report.skipped, report.failed);
  return report.ok() ? kExitOk : kExitFailure;
}

}  // namespace dwae::cli
