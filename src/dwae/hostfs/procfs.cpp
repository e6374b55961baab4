// ProcFs: small readers over procfs, each a file read plus a parser from parsers.h.
#include "dwae/hostfs/procfs.h"

#include <dirent.h>

#include <algorithm>

#include "dwae/common/file.h"
#include "dwae/common/strings.h"

namespace dwae::hostfs {
namespace {

Result<std::vector<int32_t>> numeric_entries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Error::from_errno("opendir " + dir, errno);
  std::vector<int32_t> ids;
  while (const dirent* e = ::readdir(d)) {
    const auto v = parse_int64(e->d_name);
    if (v && *v > 0 && *v <= INT32_MAX) ids.push_back(static_cast<int32_t>(*v));
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

template <typename T, typename Parse>
Result<T> read_parsed(const std::string& path, Parse parse) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto parsed = parse(*text);
  if (!parsed) return Error{path + ": " + parsed.error().message};
  return parsed;
}

}  // namespace

std::string ProcFs::task_path(int32_t pid, int32_t tid, const char* file) const {
  std::string p = paths_.proc + "/" + std::to_string(pid);
  if (tid != 0) p += "/task/" + std::to_string(tid);
  p += '/';
  p += file;
  return p;
}

Result<std::vector<int32_t>> ProcFs::list_pids() const {
  return numeric_entries(paths_.proc);
}

Result<std::vector<int32_t>> ProcFs::list_threads(int32_t pid) const {
  return numeric_entries(paths_.proc + "/" + std::to_string(pid) + "/task");
}

Result<std::string> ProcFs::comm(int32_t pid, int32_t tid) const {
  auto text = read_file(task_path(pid, tid, "comm"));
  if (!text) return text.error();
  return std::string(trim(*text));
}

Result<std::vector<std::string>> ProcFs::cmdline(int32_t pid) const {
  auto text = read_file(task_path(pid, 0, "cmdline"));
  if (!text) return text.error();
  std::vector<std::string> args;
  for (const auto part : split(*text, '\0', false)) args.emplace_back(part);
  if (!args.empty() && args.back().empty()) args.pop_back();
  return args;
}

Result<std::vector<ProcCgroupEntry>> ProcFs::cgroups(int32_t pid, int32_t tid) const {
  return read_parsed<std::vector<ProcCgroupEntry>>(task_path(pid, tid, "cgroup"),
                                                   parse_proc_cgroup);
}

Result<TaskSchedstat> ProcFs::schedstat(int32_t pid, int32_t tid) const {
  return read_parsed<TaskSchedstat>(task_path(pid, tid, "schedstat"), parse_task_schedstat);
}

Result<std::vector<CpuSchedstat>> ProcFs::system_schedstat() const {
  return read_parsed<std::vector<CpuSchedstat>>(paths_.proc + "/schedstat", parse_proc_schedstat);
}

Result<Pressure> ProcFs::system_pressure(const char* resource) const {
  return read_parsed<Pressure>(paths_.proc + "/pressure/" + resource, parse_pressure);
}

std::string cgroup_path_for(const std::vector<ProcCgroupEntry>& entries, const CgroupLayout& layout,
                            Controller c) {
  const Hierarchy* h = layout.hierarchy(c);
  const bool want_v2 = h != nullptr && h->version == CgroupVersion::kV2;
  for (const auto& e : entries) {
    if (want_v2) {
      if (e.hierarchy_id == 0 && e.controllers.empty()) return e.path;
      continue;
    }
    for (const auto& name : e.controllers) {
      if (name == v1_name(c)) return e.path;
    }
  }
  return {};
}

}  // namespace dwae::hostfs
