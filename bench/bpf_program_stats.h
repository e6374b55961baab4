// The kernel's run-time statistics of our loaded BPF programs (those named dwae_*), for the
// telemetry benchmarks. Counts only while BPF_STATS_RUN_TIME is enabled (bpf_enable_stats).
#pragma once

#include <bpf/bpf.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>

namespace dwae::bench_support {

struct ProgramStats {
  uint64_t runs = 0;
  uint64_t run_time_ns = 0;
};

// run_cnt and run_time_ns of every loaded program named dwae_*, summed by name.
inline std::map<std::string, ProgramStats> dwae_program_stats() {
  std::map<std::string, ProgramStats> out;
  uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    const int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && std::strncmp(info.name, "dwae_", 5) == 0) {
      ProgramStats& s = out[info.name];
      s.runs += info.run_cnt;
      s.run_time_ns += info.run_time_ns;
    }
    ::close(fd);
  }
  return out;
}

}  // namespace dwae::bench_support
