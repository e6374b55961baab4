// Layout detection: which controller lives where, from /proc/self/mountinfo.
#include "dwae/hostfs/layout.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "dwae/common/file.h"
#include "dwae/common/strings.h"

namespace dwae::hostfs {
namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool controller_from_name(std::string_view name, Controller& out) {
  for (const auto c : kAllControllers) {
    if (name == to_string(c) || name == v1_name(c)) {
      out = c;
      return true;
    }
  }
  return false;
}

}  // namespace

const char* to_string(Controller c) {
  switch (c) {
    case Controller::kCpu:
      return "cpu";
    case Controller::kCpuacct:
      return "cpuacct";
    case Controller::kCpuset:
      return "cpuset";
    case Controller::kMemory:
      return "memory";
    case Controller::kIo:
      return "io";
    case Controller::kPids:
      return "pids";
  }
  return "?";
}

const char* v1_name(Controller c) {
  return c == Controller::kIo ? "blkio" : to_string(c);
}

const char* to_string(LayoutKind kind) {
  switch (kind) {
    case LayoutKind::kNone:
      return "none";
    case LayoutKind::kV1:
      return "v1";
    case LayoutKind::kV2:
      return "v2";
    case LayoutKind::kHybrid:
      return "hybrid";
  }
  return "?";
}

bool Hierarchy::has(Controller c) const {
  return std::find(controllers.begin(), controllers.end(), c) != controllers.end();
}

const Hierarchy* CgroupLayout::hierarchy(Controller c) const {
  for (const auto& h : hierarchies) {
    if (h.version == CgroupVersion::kV1 && h.has(c)) return &h;
  }
  for (const auto& h : hierarchies) {
    if (h.version == CgroupVersion::kV2 && h.has(c)) return &h;
  }
  return nullptr;
}

const Hierarchy* CgroupLayout::unified() const {
  for (const auto& h : hierarchies) {
    if (h.version == CgroupVersion::kV2) return &h;
  }
  return nullptr;
}

std::string CgroupLayout::dir(const Hierarchy& h, std::string_view hierarchy_path) {
  std::string_view rel = hierarchy_path;
  if (h.mount_root != "/" && !h.mount_root.empty()) {
    if (!rel.starts_with(h.mount_root)) return {};
    rel.remove_prefix(h.mount_root.size());
    if (!rel.empty() && rel.front() != '/') return {};
  }
  while (!rel.empty() && rel.back() == '/') rel.remove_suffix(1);
  std::string out = h.mount_point;
  if (!rel.empty() && rel.front() != '/') out += '/';
  out += rel;
  return out;
}

CgroupLayout layout_from_mounts(const std::vector<MountEntry>& mounts, const HostPaths& paths) {
  CgroupLayout layout;
  bool any_v1 = false;
  for (const auto& m : mounts) {
    if (m.fs_type == "cgroup2") {
      if (layout.unified() != nullptr) continue;  // first v2 mount wins
      Hierarchy h;
      h.version = CgroupVersion::kV2;
      h.mount_point = paths.root + m.mount_point;
      h.mount_root = m.root;
      if (auto text = read_file(h.mount_point + "/cgroup.controllers")) {
        for (const auto name : split_ws(trim(*text))) {
          Controller c{};
          if (controller_from_name(name, c)) h.controllers.push_back(c);
        }
      }
      // cpuacct has no v2 controller of its own: cpu.stat carries usage in every v2 cgroup.
      if (!h.has(Controller::kCpuacct)) h.controllers.push_back(Controller::kCpuacct);
      layout.psi_per_cgroup = ::access((h.mount_point + "/cpu.pressure").c_str(), R_OK) == 0 ||
                              ::access((h.mount_point + "/cgroup.pressure").c_str(), R_OK) == 0;
      layout.hierarchies.push_back(std::move(h));
    } else if (m.fs_type == "cgroup") {
      Hierarchy h;
      h.version = CgroupVersion::kV1;
      h.mount_point = paths.root + m.mount_point;
      h.mount_root = m.root;
      for (const auto& opt : m.super_options) {
        Controller c{};
        if (controller_from_name(opt, c) && opt != "io") h.controllers.push_back(c);
      }
      if (h.controllers.empty()) continue;  // name=systemd, freezer, devices, ...
      // The same hierarchy may be mounted twice (bind mounts); keep the first.
      const bool seen = std::any_of(
          layout.hierarchies.begin(), layout.hierarchies.end(), [&](const Hierarchy& o) {
            return o.version == CgroupVersion::kV1 && o.controllers == h.controllers;
          });
      if (seen) continue;
      any_v1 = true;
      layout.hierarchies.push_back(std::move(h));
    }
  }
  const Hierarchy* v2 = layout.unified();
  if (any_v1 && v2 != nullptr) {
    layout.kind = LayoutKind::kHybrid;
  } else if (any_v1) {
    layout.kind = LayoutKind::kV1;
  } else if (v2 != nullptr) {
    layout.kind = LayoutKind::kV2;
  }
  // On v1/hybrid hosts cpuacct is often a separate mount; the v2 cpuacct stand-in added
  // above must not shadow it.
  if (any_v1 && v2 != nullptr) {
    for (auto& h : layout.hierarchies) {
      if (h.version != CgroupVersion::kV2) continue;
      std::erase_if(h.controllers, [&](Controller c) {
        return std::any_of(
            layout.hierarchies.begin(), layout.hierarchies.end(),
            [&](const Hierarchy& o) { return o.version == CgroupVersion::kV1 && o.has(c); });
      });
    }
  }
  layout.psi_system = ::access((paths.proc + "/pressure/cpu").c_str(), R_OK) == 0;
  return layout;
}

Result<CgroupLayout> detect_layout(const HostPaths& paths) {
  auto text = read_file(paths.proc + "/self/mountinfo");
  if (!text) return text.error();
  auto mounts = parse_mountinfo(*text);
  if (!mounts) return Error{"cannot parse mountinfo: " + mounts.error().message};
  return layout_from_mounts(*mounts, paths);
}

bool CgroupDirs::empty() const {
  return unified.empty() && std::all_of(by_controller.begin(), by_controller.end(),
                                        [](const std::string& d) { return d.empty(); });
}

CgroupDirs dirs_for_path(const CgroupLayout& layout, std::string_view hierarchy_path) {
  CgroupDirs dirs;
  for (const auto c : kAllControllers) {
    if (const Hierarchy* h = layout.hierarchy(c)) {
      auto d = CgroupLayout::dir(*h, hierarchy_path);
      if (!d.empty() && is_directory(d)) dirs.get(c) = std::move(d);
    }
  }
  if (const Hierarchy* h = layout.unified()) {
    auto d = CgroupLayout::dir(*h, hierarchy_path);
    if (!d.empty() && is_directory(d)) dirs.unified = std::move(d);
  }
  return dirs;
}

}  // namespace dwae::hostfs
