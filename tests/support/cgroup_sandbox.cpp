// CgroupSandbox: reads /proc/self/mountinfo and /proc/self/cgroup on its own (independently of
// the code under test) to find where this process lives in each hierarchy.
#include "support/cgroup_sandbox.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/temp_dir.h"

namespace dwae::test {
namespace {

std::vector<std::string> split_on(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

void write_or_throw(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) throw std::runtime_error("cannot write '" + value + "' to " + path);
}

std::string join_path(const std::string& a, const std::string& b) {
  if (b.empty()) return a;
  if (a.empty() || a == "/") return "/" + b;
  return a + "/" + b;
}

std::atomic<int> g_counter{0};

}  // namespace

CgroupSandbox::CgroupSandbox() {
  // Which hierarchy id holds which controllers, and this process's path in each.
  std::vector<std::pair<std::vector<std::string>, std::string>> own;
  {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
      const auto first = line.find(':');
      const auto second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      auto ctrls = split_on(line.substr(first + 1, second - first - 1), ',');
      if (ctrls.empty()) ctrls.emplace_back();  // the v2 line "0::/path"
      own.emplace_back(std::move(ctrls), line.substr(second + 1));
    }
  }
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream left(line.substr(0, dash));
    std::istringstream right(line.substr(dash + 3));
    std::string id, parent, devno, root, mount_point, fstype, source, super;
    left >> id >> parent >> devno >> root >> mount_point;
    right >> fstype >> source >> super;
    Mount m;
    m.mount_point = mount_point;
    if (fstype == "cgroup2") {
      m.v2 = true;
      for (const auto& [ctrls, path] : own) {
        if (ctrls.size() == 1 && ctrls[0].empty()) m.own_path = path;
      }
    } else if (fstype == "cgroup") {
      for (const auto& opt : split_on(super, ',')) {
        if (opt == "cpu" || opt == "cpuacct" || opt == "cpuset" || opt == "memory" ||
            opt == "blkio" || opt == "pids" || opt == "freezer" || opt == "devices" ||
            opt == "net_cls" || opt == "net_prio" || opt == "perf_event" || opt == "hugetlb") {
          m.controllers.push_back(opt);
        }
      }
      if (m.controllers.empty()) continue;  // name=systemd and friends: not ours to touch
      for (const auto& [ctrls, path] : own) {
        if (std::find(ctrls.begin(), ctrls.end(), m.controllers.front()) != ctrls.end()) {
          m.own_path = path;
        }
      }
    } else {
      continue;
    }
    if (m.own_path.empty()) continue;
    mounts_.push_back(m);
  }
  name_ = "dwae-test-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter++);
  for (const auto& m : mounts_) {
    const std::string d = m.mount_point + join_path(m.own_path, name_);
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
      throw std::runtime_error("mkdir " + d + ": " + std::strerror(errno));
    }
    if (std::find(m.controllers.begin(), m.controllers.end(), "cpuset") != m.controllers.end()) {
      const std::string parent = m.mount_point + m.own_path;
      write_or_throw(d + "/cpuset.cpus", read_text(parent + "/cpuset.cpus"));
      write_or_throw(d + "/cpuset.mems", read_text(parent + "/cpuset.mems"));
    }
  }
}

CgroupSandbox::~CgroupSandbox() {
  for (const pid_t pid : pids_) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  std::vector<std::string> rel = children_;
  std::sort(rel.begin(), rel.end(), [](const std::string& a, const std::string& b) {
    return std::count(a.begin(), a.end(), '/') > std::count(b.begin(), b.end(), '/');
  });
  rel.push_back("");
  for (const auto& m : mounts_) {
    for (const auto& child : rel) {
      const std::string d = m.mount_point + join_path(m.own_path, join_path(name_, child));
      // A cgroup's processes may take a moment to leave after SIGKILL; retry briefly.
      for (int attempt = 0; attempt < 200; ++attempt) {
        if (::rmdir(d.c_str()) == 0 || errno == ENOENT) break;
        ::usleep(5000);
      }
    }
  }
}

const CgroupSandbox::Mount* CgroupSandbox::mount_for(const std::string& controller) const {
  for (const auto& m : mounts_) {
    if (controller == "unified" ? m.v2
                                : std::find(m.controllers.begin(), m.controllers.end(),
                                            controller) != m.controllers.end()) {
      return &m;
    }
  }
  return nullptr;
}

std::string CgroupSandbox::hierarchy_path(const std::string& controller,
                                          const std::string& child) const {
  const Mount* m = mount_for(controller);
  if (m == nullptr) throw std::runtime_error("no hierarchy for " + controller);
  return join_path(m->own_path, join_path(name_, child));
}

std::string CgroupSandbox::dir(const std::string& controller, const std::string& child) const {
  return mount_for(controller)->mount_point + hierarchy_path(controller, child);
}

void CgroupSandbox::create(const std::string& child) {
  std::string prefix;
  for (const auto& part : split_on(child, '/')) {
    prefix = prefix.empty() ? part : prefix + "/" + part;
    if (std::find(children_.begin(), children_.end(), prefix) != children_.end()) continue;
    children_.push_back(prefix);
    for (const auto& m : mounts_) {
      const std::string parent = m.mount_point + join_path(m.own_path, name_);
      const std::string d = parent + "/" + prefix;
      if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
        throw std::runtime_error("mkdir " + d + ": " + std::strerror(errno));
      }
      if (std::find(m.controllers.begin(), m.controllers.end(), "cpuset") != m.controllers.end()) {
        const std::string up = std::filesystem::path(d).parent_path().string();
        write_or_throw(d + "/cpuset.cpus", read_text(up + "/cpuset.cpus"));
        write_or_throw(d + "/cpuset.mems", read_text(up + "/cpuset.mems"));
      }
    }
  }
}

void CgroupSandbox::create_only_in(const std::string& controller, const std::string& child) {
  if (mount_for(controller) == nullptr) throw std::runtime_error("no hierarchy for " + controller);
  const std::string d = dir(controller, child);
  if (::mkdir(d.c_str(), 0755) != 0) {
    throw std::runtime_error("mkdir " + d + ": " + std::strerror(errno));
  }
  children_.push_back(child);
}

void CgroupSandbox::remove(const std::string& child) {
  for (const auto& m : mounts_) {
    const std::string d = m.mount_point + join_path(m.own_path, name_) + "/" + child;
    if (::rmdir(d.c_str()) != 0)
      throw std::runtime_error("rmdir " + d + ": " + std::strerror(errno));
  }
  children_.erase(std::remove(children_.begin(), children_.end(), child), children_.end());
}

void CgroupSandbox::remake(const std::string& child) {
  remove(child);
  create(child);
}

pid_t CgroupSandbox::spawn(const std::vector<std::string>& argv, const std::string& child) {
  create(child);
  std::vector<std::string> procs;
  for (const auto& m : mounts_) procs.push_back(dir(m.v2 ? "unified" : m.controllers[0], child));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const std::string self = std::to_string(::getpid());
    for (const auto& d : procs) {
      const std::string file = d + "/cgroup.procs";
      FILE* f = std::fopen(file.c_str(), "w");
      if (f == nullptr || std::fputs(self.c_str(), f) < 0 || std::fclose(f) != 0) _exit(126);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  pids_.push_back(pid);
  return pid;
}

void CgroupSandbox::kill(pid_t pid) {
  const auto it = std::find(pids_.begin(), pids_.end(), pid);
  if (it == pids_.end()) return;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pids_.erase(it);
}

}  // namespace dwae::test
