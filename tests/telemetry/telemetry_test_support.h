// Helpers shared by the telemetry tests: waiting for sandbox processes, writing cgroup files,
// unwrapping results.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

#include "dwae/common/result.h"

namespace dwae::telemetry::test_support {

constexpr const char* kWorkload = DWAE_TELEMETRY_WORKLOAD;

// Waits for a process started by CgroupSandbox::spawn to end, leaving it for the sandbox to
// reap (WNOWAIT). Returns its exit code, or 128 + signal.
inline int wait_exit(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0) return -1;
  return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  ASSERT_TRUE(out) << "cannot write " << path;
}

template <typename T>
T or_die(Result<T> r, const char* what) {
  if (!r.ok()) {
    ADD_FAILURE() << what << ": " << r.error().message;
    std::abort();
  }
  return std::move(r).value();
}

}  // namespace dwae::telemetry::test_support
