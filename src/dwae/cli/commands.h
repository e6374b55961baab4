// The dwae subcommands, each a function from parsed options to an exit code.
#pragma once

#include <string>

namespace dwae::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

struct InspectOptions {
  std::string config_path;  // empty: list top-level cgroups
  bool json = false;
  std::string host_root;  // prefix for /proc and /sys (fixture trees); empty on a real host
  int sample_ms = 250;    // interval between the two samples that give live CPU usage
};
int run_inspect(const InspectOptions& options);

int run_check_config(const std::string& path);

// Restores every file recorded in the journal; exit 0 when nothing failed.
int run_restore(const std::string& journal_path);

}  // namespace dwae::cli
