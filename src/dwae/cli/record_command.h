// `dwae record --out FILE [--duration D] [--period P] [--config FILE | --scenario FILE
// [--policy NAME]]`: samples a host every period and writes the samples as an Arrow IPC stream
// (schema: docs/telemetry.md, "Recording"). With a scenario, the simulated host is recorded.
// `--raw-events FILE [--raw-sample-every N]` also records this host's raw eBPF events.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dwae/common/result.h"
#include "dwae/host/host.h"

namespace dwae::cli {

struct RecordOptions {
  std::string out_path;
  std::string duration;           // "60s"; empty: the scenario's (required on a real host)
  std::string period;             // "200ms"; empty: the scenario's control period, else 200ms
  std::string config_path;        // real host: the config naming the workloads
  std::string scenario_path;      // record this simulator scenario instead of the host
  std::string policy = "static";  // with a scenario: the policy that steers it meanwhile
  // Real host only: also record raw eBPF events (one in raw_sample_every) to this file, a
  // second Arrow IPC stream (docs/telemetry.md, "Raw events").
  std::string raw_events_path;
  uint32_t raw_sample_every = 1;
};

// Exit codes: 0 ok (also a recording a signal stopped, even before its first tick), 2 bad
// input, 1 failure (including a recording that ended without any tick for another reason).
int run_record(const RecordOptions& options);

// The real host's HostSource for `dwae record` without --scenario: the agent's RealHost over the
// workloads the config names. Fails with the reason (no config, a bad config, no cgroup layout).
Result<std::unique_ptr<HostSource>> open_real_host_source(const std::string& config_path);

}  // namespace dwae::cli
