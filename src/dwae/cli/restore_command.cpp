// `dwae restore [--journal PATH]`: puts back every cgroup value a previous run changed.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dwae/actuator/filesystem.h"
#include "dwae/actuator/journal.h"
#include "dwae/cli/commands.h"

namespace dwae::cli {

int run_restore(const std::string& journal_path, bool give_up_failed) {
  // Not under a running agent: it still holds what the journal would put back, and it
  // restores on its own when it stops.
  auto lock = actuator::JournalLock::acquire(journal_path);
  if (!lock) {
    std::fprintf(stderr, "restore: %s\n", lock.error().message.c_str());
    return kExitFailure;
  }
  if (::access(journal_path.c_str(), F_OK) != 0) {
    std::printf("restore: no journal at %s: nothing to restore\n", journal_path.c_str());
    return kExitOk;
  }
  actuator::RealFileSystem fs;
  const auto report = actuator::restore_journal(journal_path, fs);
  for (const auto& m : report.messages) std::fprintf(stderr, "%s\n", m.c_str());
  for (const auto& f : report.failures) std::fprintf(stderr, "%s\n", f.describe().c_str());
  // Values that failed, and failures of the journal itself (unreadable, or not rewritten).
  const std::vector<std::string> failed_paths = report.failed_paths();
  const bool journal_failed = report.failed() > failed_paths.size();
  std::printf("restore: %zu restored, %zu skipped (cgroup gone), %zu failed%s\n", report.restored,
              report.skipped, failed_paths.size(),
              journal_failed ? ", and the journal itself failed (above)" : "");
  if (report.ok()) return kExitOk;
  if (!give_up_failed) {
    std::printf("restore: %s keeps the %zu that failed; try again, or add --give-up-failed\n",
                journal_path.c_str(), failed_paths.size());
    return kExitFailure;
  }
  for (const auto& path : failed_paths) {
    std::printf("restore: gave up on %s (left as it is now)\n", path.c_str());
  }
  for (const auto& f : report.failures) {
    if (!f.path.empty()) continue;
    // An unreadable journal: whatever it recorded is left as it is now, unrestored.
    std::printf(
        "restore: gave up on the journal %s (%s): every value it recorded is left as it "
        "is now\n",
        journal_path.c_str(), f.message.c_str());
  }
  if (::unlink(journal_path.c_str()) != 0 && errno != ENOENT) {
    std::fprintf(stderr, "restore: cannot delete %s: %s\n", journal_path.c_str(),
                 std::strerror(errno));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace dwae::cli
