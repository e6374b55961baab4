// A fake host root for hostfs and discovery tests: mountinfo for a v1, v2 or hybrid layout
// plus the mount-point directories, written into a TempDir. Cgroups are added as literal
// file contents, so tests read exactly what a kernel would show.
#pragma once

#include <map>
#include <string>

#include "support/temp_dir.h"

namespace dwae::test {

enum class FixtureLayout { kV1, kV2, kHybrid };

class HostFixture {
 public:
  explicit HostFixture(FixtureLayout layout);
  const std::string& root() const { return dir_.path(); }
  // Mount point (relative to root) of a controller: "cpu" -> "sys/fs/cgroup/cpu,cpuacct" on v1,
  // "sys/fs/cgroup" on v2; "unified" -> the v2 mount.
  std::string mount(const std::string& controller) const;
  // Creates cgroup `path` (e.g. "/system.slice/a.service") under a controller's mount and
  // writes its files.
  void cgroup(const std::string& controller, const std::string& path,
              const std::map<std::string, std::string>& files = {}) const;
  void write(const std::string& relative, const std::string& content) const {
    dir_.write(relative, content);
  }
  void remove(const std::string& relative) const;

 private:
  FixtureLayout layout_;
  TempDir dir_;
};

}  // namespace dwae::test
