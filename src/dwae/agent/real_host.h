// RealHost: the HostSource of a real Linux host. Discovery (rerun every few samples, and at
// once when a workload's cgroup vanishes) gives the workloads; the telemetry facade drains the
// eBPF collectors and reads the cgroup statistics files (kept open) once per sample. eBPF
// numbers arrive per interval and are accumulated here, so every counter in a sample stays
// cumulative as the HostSource contract requires. A sample's settings (`applied`) are what the
// cgroup files hold: read again after any write to them, by anyone (inotify on the workload's
// directories), and at every discovery walk.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/clock.h"
#include "dwae/common/result.h"
#include "dwae/config/config.h"
#include "dwae/discovery/discovery.h"
#include "dwae/host/host.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/procfs.h"
#include "dwae/hostfs/reader.h"
#include "dwae/telemetry/telemetry.h"

namespace dwae::agent {

struct RealHostOptions {
  // A discovery walks every hierarchy, which costs more than many samples, so it runs only when
  // something may have changed: a vanished cgroup triggers one at once, and while the eBPF
  // lifecycle collector counts the host's cgroup changes (mkdir, rmdir, rename; task moves too
  // when a rule matches VMs by their QEMU process), the next sample after a change triggers
  // one, at most every `rediscover_min_every` samples (1 s at the 200 ms period) on a host whose
  // cgroups churn. Without those counts, or with a rule that matches VMs by their QEMU process
  // (which may exec after its move was counted), discovery also runs every `rediscover_every`
  // samples (5 s); otherwise every `rediscover_quiet_every` samples (60 s) as a safety net.
  int rediscover_every = 25;
  int rediscover_min_every = 5;
  int rediscover_quiet_every = 300;
  bool use_bpf = true;  // load the eBPF collectors (else cgroup files and PSI only)
};

// Which watched cgroup directories had a file written since the last drain. write(2) on any
// file raises IN_MODIFY on its directory's inotify watch, whoever writes (this process, an
// operator, systemd), so settings need reading again only then. Changes the kernel makes on its
// own (CPUs taken out of a v1 cpuset at hotplug) raise nothing: discovery walks read again.
// The kernel's own notices on the *.events files are not writes and are left out.
class CgroupWriteWatch {
 public:
  CgroupWriteWatch();
  ~CgroupWriteWatch();
  CgroupWriteWatch(const CgroupWriteWatch&) = delete;
  CgroupWriteWatch& operator=(const CgroupWriteWatch&) = delete;

  // "" when watches can be added, else why not (no inotify instance could be made).
  const std::string& problem() const { return problem_; }
  // The watch descriptor for `dir` (the same one for the same directory), or an error (the
  // host's inotify watch limit reached, say).
  Result<int> add(const std::string& dir);
  void remove(int watch);
  // Calls `written(watch)` for each pending event; false when the kernel dropped events
  // (queue overflow), after which every directory must be taken as written.
  bool drain(const std::function<void(int)>& written);

 private:
  int fd_ = -1;
  std::string problem_;
};

class RealHost final : public HostSource {
 public:
  // `clock` stamps the samples (HostSample::at); it must outlive the host.
  RealHost(const config::Config& config, const hostfs::CgroupLayout& layout, hostfs::ProcFs procfs,
           const Clock& clock, RealHostOptions options);

  // A new config (after a reload): the next workloads() call discovers again.
  void set_config(const config::Config& config);

  Result<std::vector<WorkloadInfo>> workloads() override;
  Result<HostSample> sample() override;

  // The workloads of the last discovery, with their directories (for the actuator).
  const std::vector<discovery::Workload>& discovered() const { return discovered_; }
  // Changes whenever the set of workloads or their directories changed.
  uint64_t generation() const { return generation_; }
  // What the actuator holds now for a workload. Later samples read the files again anyway
  // (the writes raised their watches); this starts cpu.stat afresh after a new quota.
  void note_applied(const std::string& workload, const ResourceTargets& applied);
  const telemetry::TelemetryStatus& telemetry() const { return telemetry_.status(); }
  // One line: the active sources, and why eBPF is off where it is.
  std::string telemetry_summary() const;

 private:
  struct Tracked {
    discovery::Workload workload;
    WorkloadInfo info;
    ResourceTargets applied;  // what its cgroup files held at the last read
    bool settings_read = false;
    // Written since the last read (or never read): read at the next sample.
    bool settings_stale = true;
    // Inotify watches on its directories; when one could not be added, `unwatched` is set and
    // its settings are read at every sample.
    std::vector<int> watches;
    bool unwatched = false;
    WorkloadSample totals;  // eBPF counters accumulated over the drains
    // Inode numbers of its directories: a cgroup removed and made again at the same path is
    // a new cgroup (fresh counters, new eBPF ids), which the path alone does not show.
    std::vector<uint64_t> inodes;
  };
  Status rediscover();
  void watch(Tracked& t);
  // Removes the watches of workloads no longer tracked (a directory may be shared).
  void unwatch(const std::vector<int>& watches);
  // Marks stale the workloads whose directories were written since the last sample.
  void note_writes();
  void read_settings(size_t index, Tracked& t);
  // Whether the counted cgroup changes since the last discovery can matter to this config
  // (true when they are not counted).
  bool tree_changed() const;
  // Whether a rule matches workloads by their processes (VMs by QEMU) rather than by path.
  static bool matches_processes(const config::Config& config);
  static std::vector<uint64_t> dir_inodes(const hostfs::CgroupDirs& dirs);

  config::Config config_;
  bool matches_processes_;  // matches_processes(config_)
  const hostfs::CgroupLayout* layout_;
  const Clock* clock_;
  hostfs::ProcFs procfs_;
  hostfs::CgroupReader reader_;
  RealHostOptions options_;
  std::vector<discovery::Workload> discovered_;
  std::vector<std::unique_ptr<Tracked>> tracked_;
  std::vector<WorkloadInfo> infos_;
  std::vector<std::string> previous_order_;  // workload names as the telemetry has them
  telemetry::Telemetry telemetry_;
  CgroupWriteWatch writes_;
  std::multimap<int, Tracked*> watchers_;  // inotify watch -> the workloads with that directory
  bool watch_failure_logged_ = false;
  uint64_t generation_ = 0;
  int samples_since_discovery_ = 0;
  bool must_rediscover_ = true;
  bool discovered_once_ = false;  // a walk has succeeded
  bool config_pending_ = false;   // set_config() since the last walk that succeeded
  uint64_t discovery_failures_ = 0;
  // The lifecycle collector's change counts when the last discovery began.
  std::optional<telemetry::CgroupTreeChanges> changes_at_discovery_;
  uint32_t cpus_ = 1;
  uint64_t memory_total_ = 0;
};

// The WorkloadInfo of a discovered workload under a config (class kind, priority, SLA).
WorkloadInfo workload_info(const discovery::Workload& workload, const config::Config& config);
// The static targets the config gives a workload (class defaults overridden by its rule).
ResourceTargets configured_targets(const discovery::Workload& workload,
                                   const config::Config& config);

}  // namespace dwae::agent
