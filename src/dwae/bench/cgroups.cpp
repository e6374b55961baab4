// BenchCgroups: mkdir/rmdir and cgroup.procs, nothing more; the layout comes from hostfs.
#include "dwae/bench/cgroups.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "dwae/hostfs/parsers.h"

namespace dwae::bench {
namespace {

std::string join(const std::string& dir, const std::string& child) {
  return child.empty() ? dir : dir + "/" + child;
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::from_errno("cannot read " + path, errno);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Status write_text(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) return Error::from_errno("cannot write '" + value + "' to " + path, errno);
  return Status::success();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<std::unique_ptr<BenchCgroups>> BenchCgroups::create(const std::string& root_name,
                                                           const hostfs::HostPaths& paths) {
  auto layout = hostfs::detect_layout(paths);
  if (!layout) return layout.error();
  auto self = read_text(paths.proc + "/self/cgroup");
  if (!self) return self.error();
  auto entries = hostfs::parse_proc_cgroup(*self);
  if (!entries) return entries.error();
  std::vector<Hierarchy> hierarchies;
  for (const auto& h : layout->hierarchies) {
    std::string own;
    for (const auto& e : *entries) {
      if (h.version == hostfs::CgroupVersion::kV2) {
        if (e.hierarchy_id == 0 && e.controllers.empty()) own = e.path;
      } else if (std::find(e.controllers.begin(), e.controllers.end(),
                           hostfs::v1_name(h.controllers.front())) != e.controllers.end()) {
        own = e.path;
      }
    }
    if (own.empty()) continue;
    const std::string own_dir = hostfs::CgroupLayout::dir(h, own);
    if (own_dir.empty()) continue;
    Hierarchy b;
    b.mount_point = h.mount_point;
    b.own_dir = own_dir;
    b.v2 = h.version == hostfs::CgroupVersion::kV2;
    b.cpuset = !b.v2 && h.has(hostfs::Controller::kCpuset);
    b.controllers = h.controllers;
    hierarchies.push_back(std::move(b));
  }
  if (hierarchies.empty()) return Error{"no cgroup hierarchy to create the benchmark's cgroups in"};
  std::unique_ptr<BenchCgroups> cgroups(new BenchCgroups(root_name, std::move(hierarchies)));
  if (auto s = cgroups->add(""); !s) return s.error();
  return cgroups;
}

BenchCgroups::~BenchCgroups() {
  (void)remove_all();
}

Status BenchCgroups::add(const std::string& child) {
  std::vector<std::string> levels{""};
  std::string prefix;
  std::istringstream parts(child);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty()) continue;
    if (!prefix.empty()) prefix += '/';
    prefix += part;
    levels.push_back(prefix);
  }
  for (const auto& level : levels) {
    if (std::find(created_.begin(), created_.end(), level) != created_.end()) continue;
    std::vector<std::string> made;  // removed again when a later hierarchy fails
    Status failed;
    for (const auto& h : hierarchies_) {
      const std::string d = join(join(h.own_dir, root_name_), level);
      if (::mkdir(d.c_str(), 0755) != 0) {
        if (errno == EEXIST && !level.empty()) continue;
        failed = Error::from_errno("mkdir " + d, errno);
        break;
      }
      made.push_back(d);
      if (h.cpuset) {
        const std::string up = d.substr(0, d.rfind('/'));
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
          auto value = read_text(up + "/" + file);
          if (!value) {
            failed = value.error();
            break;
          }
          if (auto s = write_text(d + "/" + file, trim(*value)); !s) {
            failed = s;
            break;
          }
        }
        if (!failed.ok()) break;
      }
    }
    if (!failed.ok()) {
      for (const auto& d : made) ::rmdir(d.c_str());
      return failed;
    }
    created_.push_back(level);
  }
  return Status::success();
}

std::vector<std::string> BenchCgroups::dirs(const std::string& child) const {
  std::vector<std::string> out;
  for (const auto& h : hierarchies_) out.push_back(join(join(h.own_dir, root_name_), child));
  return out;
}

std::string BenchCgroups::dir(hostfs::Controller controller, const std::string& child) const {
  for (const auto& h : hierarchies_) {
    if (h.v2) continue;
    if (std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end()) {
      return join(join(h.own_dir, root_name_), child);
    }
  }
  return "";
}

Status BenchCgroups::write(hostfs::Controller controller, const std::string& child,
                           const std::string& file, const std::string& value) const {
  const std::string d = dir(controller, child);
  if (d.empty()) return Error{std::string("no hierarchy for ") + hostfs::to_string(controller)};
  return write_text(d + "/" + file, value);
}

Result<std::string> BenchCgroups::read(hostfs::Controller controller, const std::string& child,
                                       const std::string& file) const {
  const std::string d = dir(controller, child);
  if (d.empty()) return Error{std::string("no hierarchy for ") + hostfs::to_string(controller)};
  auto text = read_text(d + "/" + file);
  if (!text) return text.error();
  return trim(*text);
}

std::vector<pid_t> BenchCgroups::pids(const std::string& child) const {
  std::vector<pid_t> out;
  for (const auto& d : dirs(child)) {
    auto text = read_text(d + "/cgroup.procs");
    if (!text) continue;
    std::istringstream in(*text);
    for (long pid = 0; in >> pid;) {
      if (std::find(out.begin(), out.end(), static_cast<pid_t>(pid)) == out.end()) {
        out.push_back(static_cast<pid_t>(pid));
      }
    }
  }
  return out;
}

Status BenchCgroups::remove_all() {
  if (created_.empty()) return Status::success();
  // Every process left in our cgroups was started by this benchmark (or forked by one).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    bool any = false;
    for (const auto& child : created_) {
      for (const pid_t pid : pids(child)) {
        if (pid > 0 && pid != ::getpid()) {
          ::kill(pid, SIGKILL);
          any = true;
        }
      }
    }
    if (!any || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<std::string> order = created_;
  std::sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    const auto depth = [](const std::string& s) {
      return s.empty() ? 0 : 1 + std::count(s.begin(), s.end(), '/');
    };
    return depth(a) > depth(b);
  });
  std::string failed;
  for (const auto& child : order) {
    for (const auto& d : dirs(child)) {
      bool removed = false;
      for (int attempt = 0; attempt < 250 && !removed; ++attempt) {
        if (::rmdir(d.c_str()) == 0 || errno == ENOENT) {
          removed = true;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
      if (!removed) failed += (failed.empty() ? "" : ", ") + d;
    }
  }
  created_.clear();
  if (!failed.empty()) return Error{"could not remove " + failed};
  return Status::success();
}

}  // namespace dwae::bench
