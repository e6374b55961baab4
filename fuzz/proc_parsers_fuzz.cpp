// Fuzzes the procfs parsers: mountinfo, <pid>/cgroup, <pid>/stat and both schedstat files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dwae/hostfs/parsers.h"

using namespace dwae::hostfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_mountinfo(text);
  (void)parse_proc_cgroup(text);
  (void)parse_task_schedstat(text);
  (void)parse_proc_schedstat(text);

  const auto stat = parse_proc_stat(text);
  if (stat.ok() && (stat->pid <= 0 || stat->comm.size() >= size)) __builtin_trap();
  return 0;
}
