// Discovery: one walk of each cgroup hierarchy plus one scan of /proc for QEMU, then every
// match rule is applied to what was seen.
#include "dwae/discovery/discovery.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "dwae/common/glob.h"
#include "dwae/common/strings.h"

namespace dwae::discovery {
namespace {

using hostfs::CgroupLayout;
using hostfs::Controller;
using hostfs::Hierarchy;

constexpr int kMaxDepth = 12;

std::string_view basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

// Collects every cgroup directory below `dir` as a hierarchy path ("/a/b"). A directory that
// vanishes while walking is skipped; any other failure (no descriptor left, no permission) fails
// the walk, since a partial list would make its workloads look gone.
Status walk(const std::string& dir, const std::string& path, int depth,
            std::vector<std::string>& out) {
  if (depth > kMaxDepth) return Status::success();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::success();
    return Error::from_errno("cannot list cgroup directory " + dir, err);
  }
  std::vector<std::string> children;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) break;
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    // A name that is not UTF-8 cannot be matched by a rule, named in a report or journalled:
    // the group and what is below it are not workloads.
    if (!is_utf8(e->d_name)) continue;
    children.emplace_back(e->d_name);
  }
  const int read_err = errno;
  ::closedir(d);
  if (read_err != 0 && read_err != ENOENT) {
    return Error::from_errno("cannot list cgroup directory " + dir, read_err);
  }
  std::sort(children.begin(), children.end());
  for (const auto& child : children) {
    std::string child_path = path == "/" ? "" : path;
    child_path += '/';
    child_path += child;
    out.push_back(child_path);
    std::string child_dir = dir;
    child_dir += '/';
    child_dir += child;
    if (auto s = walk(child_dir, child_path, depth + 1, out); !s) return s;
  }
  return Status::success();
}

struct SeenHierarchy {
  const Hierarchy* hierarchy;
  std::vector<std::string> paths;
};

// Records that `w` lives at `path` in hierarchy `h`.
void add_dirs(const CgroupLayout& layout, const Hierarchy& h, const std::string& path,
              Workload& w) {
  const std::string dir = CgroupLayout::dir(h, path);
  if (dir.empty()) return;
  if (w.hierarchy_path.empty()) w.hierarchy_path = path;
  if (h.version == hostfs::CgroupVersion::kV2 && w.dirs.unified.empty()) w.dirs.unified = dir;
  for (const auto c : hostfs::kAllControllers) {
    if (layout.hierarchy(c) == &h && w.dirs.get(c).empty()) w.dirs.get(c) = dir;
  }
}

bool is_unit_name(std::string_view name) {
  for (const std::string_view suffix : {".service", ".scope", ".slice", ".socket", ".mount"}) {
    if (name.ends_with(suffix) && name.size() > suffix.size()) return true;
  }
  return false;
}

std::string qos_of_parent(std::string_view parent_dir) {
  const auto name = basename_of(parent_dir);
  if (name == "burstable" || name == "kubepods-burstable.slice") return "burstable";
  if (name == "besteffort" || name == "kubepods-besteffort.slice") return "besteffort";
  if (name == "kubepods" || name == "kubepods.slice") return "guaranteed";
  return {};
}

}  // namespace

const char* to_string(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kCgroup:
      return "cgroup";
    case WorkloadKind::kService:
      return "service";
    case WorkloadKind::kVm:
      return "vm";
    case WorkloadKind::kPod:
      return "pod";
  }
  return "?";
}

std::string systemd_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 2]);
      const int lo = hex(s[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string libvirt_domain_from_scope(std::string_view dir_name) {
  // systemd driver: machine-qemu\x2d<id>\x2d<name>.scope
  if (dir_name.starts_with("machine-qemu") && dir_name.ends_with(".scope")) {
    const std::string plain =
        systemd_unescape(dir_name.substr(0, dir_name.size() - std::string_view(".scope").size()));
    // plain = "machine-qemu-<id>-<name>"
    std::string_view rest = plain;
    rest.remove_prefix(std::string_view("machine-qemu").size());
    if (!rest.starts_with("-")) return {};
    rest.remove_prefix(1);
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos || dash == 0) return {};
    for (size_t i = 0; i < dash; ++i) {
      if (rest[i] < '0' || rest[i] > '9') return {};
    }
    return std::string(rest.substr(dash + 1));
  }
  // cgroupfs driver: <name>.libvirt-qemu
  constexpr std::string_view kSuffix = ".libvirt-qemu";
  if (dir_name.ends_with(kSuffix) && dir_name.size() > kSuffix.size()) {
    return std::string(dir_name.substr(0, dir_name.size() - kSuffix.size()));
  }
  return {};
}

std::string qemu_vm_name(const std::vector<std::string>& argv) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] != "-name" && argv[i] != "--name") continue;
    const std::string_view value = argv[i + 1];
    for (const auto part : split(value, ',')) {
      if (part.starts_with("guest=")) return std::string(part.substr(6));
    }
    const auto first = split(value, ',');
    if (!first.empty() && first[0].find('=') == std::string_view::npos) {
      return std::string(first[0]);
    }
  }
  return {};
}

std::optional<uint32_t> vcpu_index_from_thread_name(std::string_view comm) {
  if (!comm.starts_with("CPU ")) return std::nullopt;
  comm.remove_prefix(4);
  const auto slash = comm.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto kind = comm.substr(slash + 1);
  if (kind != "KVM" && kind != "TCG" && kind != "HVF" && kind != "WHPX") return std::nullopt;
  const auto index = parse_uint64(comm.substr(0, slash));
  if (!index || *index > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*index);
}

std::string k8s_pod_uid(std::string_view dir_name) {
  if (dir_name.starts_with("pod") && dir_name.size() > 3) return std::string(dir_name.substr(3));
  if (dir_name.starts_with("kubepods-") && dir_name.ends_with(".slice")) {
    const auto pos = dir_name.rfind("-pod");
    if (pos == std::string_view::npos) return {};
    const size_t start = pos + 4;
    const size_t end = dir_name.size() - std::string_view(".slice").size();
    if (start >= end) return {};
    std::string uid(dir_name.substr(start, end - start));
    std::replace(uid.begin(), uid.end(), '_', '-');
    return uid;
  }
  return {};
}

std::vector<QemuProcess> Discovery::qemu_processes() const {
  std::vector<QemuProcess> out;
  auto pids = procfs_.list_pids();
  if (!pids) return out;
  for (const int32_t pid : *pids) {
    auto comm = procfs_.comm(pid);
    if (!comm || !(comm->starts_with("qemu-system") || comm->starts_with("qemu-kvm"))) continue;
    QemuProcess q;
    q.pid = pid;
    if (auto argv = procfs_.cmdline(pid)) q.vm_name = qemu_vm_name(*argv);
    if (q.vm_name.empty()) q.vm_name = "qemu-" + std::to_string(pid);
    if (auto tids = procfs_.list_threads(pid)) {
      for (const int32_t tid : *tids) {
        auto tcomm = procfs_.comm(pid, tid);
        if (!tcomm) continue;
        const auto index = vcpu_index_from_thread_name(*tcomm);
        if (!index) continue;
        VcpuThread v{*index, tid, {}};
        if (auto cg = procfs_.cgroups(pid, tid)) {
          if (const Hierarchy* h = layout_->hierarchy(Controller::kCpu)) {
            const auto path = hostfs::cgroup_path_for(*cg, *layout_, Controller::kCpu);
            if (!path.empty()) v.cpu_cgroup_dir = CgroupLayout::dir(*h, path);
          }
        }
        q.vcpus.push_back(std::move(v));
      }
    }
    std::sort(q.vcpus.begin(), q.vcpus.end(),
              [](const VcpuThread& a, const VcpuThread& b) { return a.index < b.index; });
    out.push_back(std::move(q));
  }
  return out;
}

Result<std::vector<Workload>> Discovery::discover(const config::Config& config) const {
  // What exists now, once per call.
  std::vector<SeenHierarchy> seen;
  for (const auto& h : layout_->hierarchies) {
    SeenHierarchy s{&h, {}};
    if (auto walked = walk(h.mount_point, h.mount_root.empty() ? "/" : h.mount_root, 0, s.paths);
        !walked) {
      return walked.error();
    }
    seen.push_back(std::move(s));
  }
  const bool wants_vms = std::any_of(
      config.workloads.begin(), config.workloads.end(), [](const config::WorkloadRule& r) {
        return r.match.kind == config::MatchRule::Kind::kLibvirtDomain;
      });
  const std::vector<QemuProcess> qemus = wants_vms ? qemu_processes() : std::vector<QemuProcess>{};

  std::map<std::string, Workload> by_name;
  std::vector<std::string> order;
  for (const auto& rule : config.workloads) {
    auto glob = Glob::compile(rule.match.pattern.empty() ? "**" : rule.match.pattern);
    if (!glob) return Error{"rule '" + rule.name + "': " + glob.error().message};
    const config::WorkloadClass* cls = config.find_class(rule.class_name);
    std::map<std::string, Workload> found;  // this rule's matches, by identity

    const auto claim = [&](const std::string& name, WorkloadKind kind) -> Workload* {
      if (by_name.count(name) != 0) return nullptr;  // an earlier rule has it
      auto [it, inserted] = found.try_emplace(name);
      if (inserted) {
        it->second.name = name;
        it->second.rule = rule.name;
        it->second.class_name = rule.class_name;
        it->second.class_kind = cls != nullptr ? cls->kind : config::ClassKind::kBestEffort;
        it->second.kind = kind;
      }
      return &it->second;
    };

    for (const auto& s : seen) {
      for (const auto& path : s.paths) {
        const auto base = basename_of(path);
        switch (rule.match.kind) {
          case config::MatchRule::Kind::kCgroup: {
            const auto at = glob->anchored_match(path);
            if (!at) break;
            std::string id(std::string_view(path).substr(*at));
            while (!id.empty() && id.front() == '/') id.erase(0, 1);
            if (id.empty()) break;
            if (Workload* w = claim(id, WorkloadKind::kCgroup))
              add_dirs(*layout_, *s.hierarchy, path, *w);
            break;
          }
          case config::MatchRule::Kind::kSystemdUnit: {
            if (!is_unit_name(base) || !glob->matches(systemd_unescape(base))) break;
            if (Workload* w = claim("svc/" + std::string(base), WorkloadKind::kService)) {
              add_dirs(*layout_, *s.hierarchy, path, *w);
            }
            break;
          }
          case config::MatchRule::Kind::kLibvirtDomain: {
            const auto domain = libvirt_domain_from_scope(base);
            if (domain.empty() || !glob->matches(domain)) break;
            if (Workload* w = claim("vm/" + domain, WorkloadKind::kVm)) {
              add_dirs(*layout_, *s.hierarchy, path, *w);
            }
            break;
          }
          case config::MatchRule::Kind::kKubernetes: {
            const auto uid = k8s_pod_uid(base);
            if (uid.empty() || !glob->matches(uid)) break;
            const auto qos = qos_of_parent(parent_of(path));
            if (qos.empty() || (!rule.match.k8s_qos.empty() && rule.match.k8s_qos != qos)) break;
            if (Workload* w = claim("pod/" + uid, WorkloadKind::kPod)) {
              w->k8s_qos = qos;
              add_dirs(*layout_, *s.hierarchy, path, *w);
            }
            break;
          }
        }
      }
    }
    if (rule.match.kind == config::MatchRule::Kind::kLibvirtDomain) {
      // QEMU processes: named by -name; a libvirt scope of the same name keeps its directories.
      for (const auto& q : qemus) {
        if (!is_utf8(q.vm_name) || !glob->matches(q.vm_name)) continue;
        Workload* w = claim("vm/" + q.vm_name, WorkloadKind::kVm);
        if (w == nullptr) continue;
        w->vmm_pid = q.pid;
        w->vcpus = q.vcpus;
        if (!w->dirs.empty()) continue;
        auto cg = procfs_.cgroups(q.pid);
        if (!cg) continue;
        for (const auto& h : layout_->hierarchies) {
          const Controller probe = h.version == hostfs::CgroupVersion::kV2 ? Controller::kCpuacct
                                                                           : h.controllers.front();
          std::string path;
          if (h.version == hostfs::CgroupVersion::kV2) {
            for (const auto& e : *cg) {
              if (e.hierarchy_id == 0 && e.controllers.empty()) path = e.path;
            }
          } else {
            path = hostfs::cgroup_path_for(*cg, *layout_, probe);
          }
          if (!path.empty()) add_dirs(*layout_, h, path, *w);
        }
      }
    }
    for (auto& [name, w] : found) {
      order.push_back(name);
      by_name.emplace(name, std::move(w));
    }
  }
  std::vector<Workload> out;
  out.reserve(order.size());
  for (const auto& name : order) out.push_back(std::move(by_name.at(name)));
  return out;
}

std::vector<TopLevelCgroup> Discovery::top_level() const {
  std::map<std::string, TopLevelCgroup> by_name;
  for (const auto& h : layout_->hierarchies) {
    DIR* d = ::opendir(h.mount_point.c_str());
    if (d == nullptr) continue;
    while (const dirent* e = ::readdir(d)) {
      if (e->d_type != DT_DIR || e->d_name[0] == '.' || !is_utf8(e->d_name)) continue;
      const std::string root = h.mount_root.empty() || h.mount_root == "/" ? "" : h.mount_root;
      const std::string path = root + "/" + e->d_name;
      auto& t = by_name[e->d_name];
      t.name = e->d_name;
      Workload tmp;
      tmp.dirs = t.dirs;
      add_dirs(*layout_, h, path, tmp);
      t.dirs = tmp.dirs;
    }
    ::closedir(d);
  }
  std::vector<TopLevelCgroup> out;
  out.reserve(by_name.size());
  for (auto& [name, t] : by_name) out.push_back(std::move(t));
  return out;
}

}  // namespace dwae::discovery
