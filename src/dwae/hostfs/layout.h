// Where the cgroup hierarchies are: v1, v2 or hybrid, detected from mountinfo at run time.
// Every path is built from an injected HostPaths root so tests can run on fixture trees.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {

// The controllers DWAE reads or writes. kIo is "io" on v2 and "blkio" on v1.
enum class Controller : uint8_t { kCpu, kCpuacct, kCpuset, kMemory, kIo, kPids };
inline constexpr size_t kControllerCount = 6;
inline constexpr std::array<Controller, kControllerCount> kAllControllers{
    Controller::kCpu,    Controller::kCpuacct, Controller::kCpuset,
    Controller::kMemory, Controller::kIo,      Controller::kPids};
const char* to_string(Controller c);  // v2 names: cpu, cpuacct, cpuset, memory, io, pids
const char* v1_name(Controller c);    // blkio for kIo, otherwise as to_string

// Where the host's files are. root prefixes every absolute path read (empty on a real host);
// proc is the procfs mount (already under root when set by for_root()).
struct HostPaths {
  std::string root;
  std::string proc = "/proc";
  static HostPaths for_root(const std::string& root) { return {root, root + "/proc"}; }
};

enum class CgroupVersion { kV1, kV2 };

struct Hierarchy {
  CgroupVersion version = CgroupVersion::kV1;
  std::string mount_point;  // absolute, with HostPaths::root prepended
  std::string mount_root;   // the mount's root inside the hierarchy ("/" unless bind-mounted)
  std::vector<Controller> controllers;  // v1: bound to it; v2: listed in its cgroup.controllers
  bool has(Controller c) const;
};

enum class LayoutKind { kNone, kV1, kV2, kHybrid };
const char* to_string(LayoutKind kind);  // none, v1, v2, hybrid

struct CgroupLayout {
  LayoutKind kind = LayoutKind::kNone;
  std::vector<Hierarchy> hierarchies;
  bool psi_per_cgroup = false;  // the v2 mount carries cpu/memory/io.pressure files
  bool psi_system = false;      // <proc>/pressure/cpu is readable

  // The hierarchy that carries a controller: a v1 mount, or the v2 mount when it has it.
  const Hierarchy* hierarchy(Controller c) const;
  const Hierarchy* unified() const;
  // Absolute directory of a hierarchy path ("/a/b", as /proc/<pid>/cgroup shows it) in the
  // given hierarchy; the mount root is stripped. Empty when the path is outside the mount.
  static std::string dir(const Hierarchy& h, std::string_view hierarchy_path);
};

// Builds a layout from parsed mountinfo. Reads <v2 mount>/cgroup.controllers and checks for
// pressure files, so it touches the (possibly fixture) file system under paths.root.
CgroupLayout layout_from_mounts(const std::vector<MountEntry>& mounts, const HostPaths& paths);
// Reads <proc>/self/mountinfo and calls layout_from_mounts().
Result<CgroupLayout> detect_layout(const HostPaths& paths);

// One cgroup's directory in each hierarchy it exists in ("" where it does not).
struct CgroupDirs {
  std::array<std::string, kControllerCount> by_controller;
  std::string unified;  // directory in the v2 mount (PSI on hybrid hosts), or ""
  const std::string& get(Controller c) const { return by_controller[static_cast<size_t>(c)]; }
  std::string& get(Controller c) { return by_controller[static_cast<size_t>(c)]; }
  bool empty() const;
};

// Directories of one hierarchy path in every hierarchy where that directory exists.
CgroupDirs dirs_for_path(const CgroupLayout& layout, std::string_view hierarchy_path);

}  // namespace dwae::hostfs
