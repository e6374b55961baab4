// Child processes of the benchmark: started already inside given cgroups, output into files,
// waited for without blocking signals, stopped by pid. Also the SIGINT/SIGTERM/SIGHUP flag every
// wait of the benchmark polls, so an interrupted run cleans up on the normal path.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "dwae/common/result.h"

namespace dwae::bench {

// Installs handlers for SIGINT, SIGTERM and SIGHUP (a closed terminal) that only set a flag,
// and ignores SIGPIPE: a progress stream whose reader went away makes writes fail (EPIPE), it
// does not kill the benchmark before it has cleaned up. Children start with all four at their
// defaults.
void install_interrupt_handlers();
bool interrupted();
int interrupt_signal();  // the signal that arrived, 0 when none
// Sleeps up to `d`; false when interrupted (early).
bool sleep_unless_interrupted(std::chrono::milliseconds d);

struct SpawnSpec {
  std::vector<std::string> argv;
  std::vector<std::string> cgroup_dirs;  // the child writes itself into each cgroup.procs
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
  std::string cwd;                    // empty: inherit
  int parent_death_signal = SIGKILL;  // sent to the child if the benchmark dies first
};

class Child {
 public:
  Child() = default;
  static Result<Child> spawn(const SpawnSpec& spec);
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // SIGKILL and reap when still running

  pid_t pid() const { return pid_; }
  bool running();
  // Exit code (128 + signal when killed); -1 while running.
  int exit_code() const { return code_; }
  // Waits until the child exits, `limit` passes or the benchmark is interrupted (when
  // `stop_on_interrupt`); true when it exited.
  bool wait(std::chrono::milliseconds limit, bool stop_on_interrupt = true);
  // Sends `sig`, waits up to `limit`; SIGKILL after that. The exit code.
  int stop(int sig, std::chrono::milliseconds limit);

 private:
  explicit Child(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  int code_ = -1;
  bool exited_ = false;
};

// Runs argv to completion (inside cgroup_dirs); its stdout, or an error naming the exit code
// and stderr. Stops it when interrupted or after `limit`.
Result<std::string> run_to_completion(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& cgroup_dirs,
                                      const std::string& scratch_prefix,
                                      std::chrono::milliseconds limit);

std::string read_file_or_empty(const std::string& path);

}  // namespace dwae::bench
