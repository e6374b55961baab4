// Processes and threads from procfs: who runs where, what they are called, and how long their
// threads waited to run (schedstat run delay, the per-thread "CPU ready time").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {

class ProcFs {
 public:
  explicit ProcFs(HostPaths paths) : paths_(std::move(paths)) {}

  // Every numeric entry of /proc (processes), ascending.
  Result<std::vector<int32_t>> list_pids() const;
  // Thread ids of a process (/proc/<pid>/task), ascending.
  Result<std::vector<int32_t>> list_threads(int32_t pid) const;
  // Thread or process name from comm (trailing newline removed).
  Result<std::string> comm(int32_t pid, int32_t tid = 0) const;
  // Arguments from /proc/<pid>/cmdline (NUL-separated).
  Result<std::vector<std::string>> cmdline(int32_t pid) const;
  Result<std::vector<ProcCgroupEntry>> cgroups(int32_t pid, int32_t tid = 0) const;
  Result<TaskSchedstat> schedstat(int32_t pid, int32_t tid = 0) const;
  Result<std::vector<CpuSchedstat>> system_schedstat() const;
  Result<Pressure> system_pressure(const char* resource) const;  // "cpu", "memory", "io"

  const HostPaths& paths() const { return paths_; }

 private:
  std::string task_path(int32_t pid, int32_t tid, const char* file) const;
  HostPaths paths_;
};

// The hierarchy path of a task for one controller, from its /proc/<pid>/cgroup entries: the v1
// line naming the controller, else the v2 "0::" line. Empty when neither exists.
std::string cgroup_path_for(const std::vector<ProcCgroupEntry>& entries, const CgroupLayout& layout,
                            Controller c);

}  // namespace dwae::hostfs
