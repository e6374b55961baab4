// Real cgroups for tests: one directory named dwae-test-<pid>-<n> under this process's own
// cgroup in every mounted hierarchy (each v1 controller and the v2 mount), removed again on
// destruction together with every child created through it, even when the test fails.
// Processes spawned through it are killed (by pid) before removal.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dwae::test {

class CgroupSandbox {
 public:
  struct Mount {
    std::string mount_point;               // e.g. /sys/fs/cgroup/cpu
    std::vector<std::string> controllers;  // v1 controllers; empty for v2
    bool v2 = false;
    std::string own_path;  // this process's cgroup in the hierarchy, e.g. "/" or "/a/b"
  };

  CgroupSandbox();
  ~CgroupSandbox();
  CgroupSandbox(const CgroupSandbox&) = delete;
  CgroupSandbox& operator=(const CgroupSandbox&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<Mount>& mounts() const { return mounts_; }
  // The mount carrying `controller` ("cpu", "memory", ...; "unified" for the v2 mount), or
  // nullptr when the host has none.
  const Mount* mount_for(const std::string& controller) const;
  // Absolute directory of <sandbox>/<child> in the hierarchy of `controller`.
  std::string dir(const std::string& controller, const std::string& child = "") const;
  // Hierarchy path (relative to the mount point, leading '/') of <sandbox>/<child>.
  std::string hierarchy_path(const std::string& controller, const std::string& child = "") const;

  // Creates <sandbox>/<child> in every hierarchy (cpuset children get their parent's cpus and
  // mems so that tasks can join).
  void create(const std::string& child);
  // Creates <sandbox>/<child> in the hierarchy of `controller` alone (removed on destruction
  // like the others): a cgroup that other hierarchies do not have.
  void create_only_in(const std::string& controller, const std::string& child);
  // Removes <sandbox>/<child> (which must hold no process and no child) in every hierarchy, as
  // `systemctl stop` leaves it; create() makes it again at the same paths (new cgroups).
  void remove(const std::string& child);
  // remove() then create() at once.
  void remake(const std::string& child);
  // Starts argv[0] with the child process already inside <sandbox>/<child> in every hierarchy.
  pid_t spawn(const std::vector<std::string>& argv, const std::string& child);
  // Kills and reaps a spawned process now.
  void kill(pid_t pid);

 private:
  std::vector<Mount> mounts_;
  std::string name_;
  std::vector<std::string> children_;  // created relative paths, in creation order
  std::vector<pid_t> pids_;
};

}  // namespace dwae::test
