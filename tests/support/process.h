// Runs a program to completion and captures its exit code and output (for CLI tests).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace dwae::test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv);

// Starts argv with stdin from /dev/null and stdout/stderr into the given files; returns the
// pid (the caller waits for it).
pid_t start_process(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path);

// Waits for `pid` (one start_process gave) up to `limit`: its exit code (128 + signal when a
// signal ended it), or -1 after killing it when it had not ended in time.
int wait_exit(pid_t pid, std::chrono::seconds limit);

// Path of the dwae binary of this build.
std::string dwae_binary();

}  // namespace dwae::test
