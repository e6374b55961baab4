// The benchmark's own cgroups: one root named dwae-bench-<pid> under this process's cgroup in
// every hierarchy DWAE uses (each v1 controller mount and the v2 mount), children below it,
// and their removal — processes inside are killed by pid first. Nothing else is touched.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/hostfs/layout.h"

namespace dwae::bench {

class BenchCgroups {
 public:
  struct Hierarchy {
    std::string mount_point;
    std::string own_dir;  // this process's cgroup in it (absolute directory)
    bool v2 = false;
    bool cpuset = false;  // children need cpuset.cpus/mems before tasks can join
    std::vector<hostfs::Controller> controllers;
  };

  // Reads the layout (hostfs::detect_layout) and <proc>/self/cgroup, creates the root
  // <own>/<root_name> in every hierarchy.
  static Result<std::unique_ptr<BenchCgroups>> create(const std::string& root_name,
                                                      const hostfs::HostPaths& paths = {});
  ~BenchCgroups();
  BenchCgroups(const BenchCgroups&) = delete;
  BenchCgroups& operator=(const BenchCgroups&) = delete;

  const std::string& root_name() const { return root_name_; }
  const std::vector<Hierarchy>& hierarchies() const { return hierarchies_; }

  // Creates <root>/<child> ("tenants/redis") and its parents in every hierarchy.
  Status add(const std::string& child);
  // Absolute directories of <root>/<child>, one per hierarchy.
  std::vector<std::string> dirs(const std::string& child) const;
  // Directory of <root>/<child> in the hierarchy carrying `controller` ("" when none).
  std::string dir(hostfs::Controller controller, const std::string& child) const;
  // Writes a file of <root>/<child> in the hierarchy carrying `controller`.
  Status write(hostfs::Controller controller, const std::string& child, const std::string& file,
               const std::string& value) const;
  Result<std::string> read(hostfs::Controller controller, const std::string& child,
                           const std::string& file) const;
  // Pids in <root>/<child> (any hierarchy).
  std::vector<pid_t> pids(const std::string& child) const;
  // SIGKILLs every process in every created cgroup (by pid, until none is left or ~5 s
  // passed) and removes the cgroups, deepest first. Safe to call twice.
  Status remove_all();

 private:
  BenchCgroups(std::string root_name, std::vector<Hierarchy> hierarchies)
      : root_name_(std::move(root_name)), hierarchies_(std::move(hierarchies)) {}
  std::string root_name_;
  std::vector<Hierarchy> hierarchies_;
  std::vector<std::string> created_;  // relative to the root; "" is the root itself
};

}  // namespace dwae::bench
