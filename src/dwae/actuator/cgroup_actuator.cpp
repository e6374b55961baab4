// CgroupActuator: transactions of cgroup writes with journal, read-back and rollback.
#include "dwae/actuator/cgroup_actuator.h"

#include <algorithm>

#include "dwae/actuator/values.h"
#include "dwae/common/file.h"
#include "dwae/hostfs/reader.h"

namespace dwae::actuator {
namespace {

int depth_of(const std::string& dir) {
  return static_cast<int>(std::count(dir.begin(), dir.end(), '/'));
}

}  // namespace

WorkloadFiles files_for(const hostfs::CgroupLayout& layout, const hostfs::CgroupDirs& dirs) {
  WorkloadFiles f;
  f.dirs = dirs;
  for (const auto c : hostfs::kAllControllers) {
    const hostfs::Hierarchy* h = layout.hierarchy(c);
    f.version[static_cast<size_t>(c)] = h != nullptr ? h->version : hostfs::CgroupVersion::kV2;
  }
  const std::string& io = dirs.get(hostfs::Controller::kIo);
  if (!io.empty() &&
      f.version[static_cast<size_t>(hostfs::Controller::kIo)] == hostfs::CgroupVersion::kV2) {
    f.io_weight_is_bfq =
        !read_file(io + "/io.weight").ok() && read_file(io + "/io.bfq.weight").ok();
  }
  return f;
}

Result<CgroupActuator> CgroupActuator::create(const hostfs::CgroupLayout& layout,
                                              ActuatorOptions options, FileSystem& fs) {
  if (options.journal_path.empty()) return Error{"actuator: no journal path configured"};
  std::optional<JournalLock> lock;
  if (!options.dry_run) {
    auto held = JournalLock::acquire(options.journal_path);
    if (!held) return Error{"actuator: " + held.error().message};
    lock.emplace(std::move(held).value());
    auto existing = Journal::open(options.journal_path);
    if (!existing) return existing.error();
    if (!existing->entries().empty()) {
      // A crash left changes behind: put the host back before doing anything else.
      const auto report = restore_journal(options.journal_path, fs);
      if (!report.ok()) {
        std::string why = "actuator: cannot restore the journal left by a previous run";
        for (const auto& f : report.failures) why += "; " + f.describe();
        return Error{why};
      }
    }
  }
  auto journal = Journal::open(options.journal_path);
  if (!journal) return journal.error();
  CgroupActuator a(layout, std::move(options), fs, std::move(journal).value());
  a.lock_ = std::move(lock);
  for (const auto& root : a.options_.cgroup_roots) {
    auto resolved = fs.resolve(root);
    if (resolved) a.resolved_roots_.push_back(*resolved);
  }
  if (a.resolved_roots_.empty()) return Error{"actuator: none of the cgroup roots exists"};
  return a;
}

CgroupActuator::CgroupActuator(const hostfs::CgroupLayout& layout, ActuatorOptions options,
                               FileSystem& fs, Journal journal)
    : layout_(&layout), options_(std::move(options)), fs_(&fs), journal_(std::move(journal)) {}

RestoreReport CgroupActuator::set_workloads(std::vector<ManagedWorkload> workloads) {
  workloads_.clear();
  known_.clear();
  resolved_dirs_.clear();
  checked_files_.clear();
  std::unordered_set<std::string> managed_dirs;
  for (auto& w : workloads) {
    for (const auto& dir : w.files.dirs.by_controller) managed_dirs.insert(dir);
    managed_dirs.insert(w.files.dirs.unified);
    std::string name = w.name;
    workloads_.emplace(std::move(name), std::move(w));
  }
  // Every journalled file lies in a directory of a workload managed when it was written.
  std::vector<JournalEntry> released;
  for (const auto& e : journal_.entries()) {
    const auto slash = e.path.rfind('/');
    if (slash == std::string::npos || managed_dirs.count(e.path.substr(0, slash)) == 0) {
      released.push_back(e);
    }
  }
  if (released.empty()) return RestoreReport{};
  return journal_.put_back(released, *fs_);
}

Status CgroupActuator::check_path(const std::string& dir, const std::string& file) {
  if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
    return Error{"refused: bad file name '" + file + "'"};
  }
  // Directories are resolved once per set_workloads() (each discovery): one realpath per
  // cgroup, not per file and tick.
  auto cached = resolved_dirs_.find(dir);
  if (cached == resolved_dirs_.end()) {
    auto resolved_dir = fs_->resolve(dir);
    if (!resolved_dir) return resolved_dir.error();
    const bool inside =
        std::any_of(resolved_roots_.begin(), resolved_roots_.end(), [&](const std::string& root) {
          return *resolved_dir == root || resolved_dir->starts_with(root + "/");
        });
    cached = resolved_dirs_.emplace(dir, inside ? *resolved_dir : std::string()).first;
  }
  if (cached->second.empty()) {
    return Error{"refused: " + dir + " is outside the configured cgroup roots"};
  }
  // The file itself must not be a link that leads elsewhere (checked once per discovery too).
  std::string path = cached->second + "/" + file;
  if (checked_files_.count(path) == 0) {
    auto link = fs_->is_symlink(path);
    if (!link) return link.error();
    if (*link) return Error{"refused: " + dir + "/" + file + " is a link"};
    checked_files_.insert(std::move(path));
  }
  return Status::success();
}

bool CgroupActuator::run_transaction(const WorkloadPlan& plan, ApplyReport& report) {
  struct Done {
    std::string path;
    std::string file;
    std::string before;
  };
  std::vector<Done> done;
  std::string failure;
  std::string failed_knob;
  for (const auto& w : plan.writes) {
    const std::string path = w.dir + "/" + w.file;
    failed_knob = w.knob;
    if (auto s = validate_write(w.file, w.value); !s) {
      failure = s.error().message;
      break;
    }
    if (auto s = check_path(w.dir, w.file); !s) {
      failure = s.error().message;
      break;
    }
    // What the file held before this transaction: the content read back at the end of the
    // last one, while the workload's cached state is trusted; otherwise read now.
    Known* known = nullptr;
    if (auto k = known_.find(plan.workload); k != known_.end()) known = &k->second;
    Result<std::string> before = Error{""};
    if (known != nullptr && known->raw.count(path) != 0) {
      before = known->raw[path];
    } else {
      before = fs_->read(path);
    }
    if (!before) {
      failure = before.error().message;
      break;
    }
    if (!journal_.contains(path)) {
      if (auto s = journal_.record(path, *before); !s) {
        failure = "journal: " + s.error().message;  // nothing written for this file
        break;
      }
    }
    // A file the kernel rewrites when this one is written (the weight, when cpu.idle changes)
    // is rolled back too, after this one: leaving idle again resets the weight to the default.
    for (const std::string_view other : rewritten_by(w.file)) {
      std::string other_path = w.dir + "/" + std::string(other);
      const bool seen = std::any_of(done.begin(), done.end(),
                                    [&](const Done& d) { return d.path == other_path; });
      if (seen) continue;  // its content from before the transaction is already kept
      auto other_before = fs_->read(other_path);
      if (!other_before) continue;  // not on this hierarchy (cpu.weight on v1, cpu.shares on v2)
      done.push_back(Done{std::move(other_path), std::string(other), std::move(*other_before)});
    }
    // From here the file may change, so it is part of the rollback even if the write fails.
    done.push_back(Done{path, w.file, *before});
    if (auto s = fs_->write(path, w.value); !s) {
      failure = s.error().message;
      break;
    }
    auto after = fs_->read(path);
    if (!after) {
      failure = after.error().message;
      break;
    }
    if (!same_value(w.file, w.value, *after)) {
      failure = "read back '" + std::string(after->substr(0, after->find('\n'))) +
                "' after writing '" + w.value + "' to " + path;
      break;
    }
    report.fields.push_back(FieldStatus{plan.workload, w.knob, true, path + " = " + w.value});
    if (known != nullptr) known->raw[path] = std::move(after).value();
  }
  if (failure.empty()) return true;

  report.fields.push_back(FieldStatus{plan.workload, failed_knob, false, failure});
  for (auto it = done.rbegin(); it != done.rend(); ++it) {
    auto current = fs_->read(it->path);
    const std::string now = current ? *current : std::string();
    bool restored = false;
    std::string why;
    if (auto writes = restore_writes(it->file, it->before, now)) {
      restored = true;
      for (const auto& v : *writes) {
        if (auto s = fs_->write(it->path, v); !s) {
          restored = false;
          why = s.error().message;
        }
      }
    } else {
      why = writes.error().message;
    }
    report.fields.push_back(FieldStatus{plan.workload, "rollback", restored,
                                        restored ? it->path + " restored" : it->path + ": " + why});
  }
  return false;
}

ApplyReport CgroupActuator::apply(const Decision& decision) {
  ApplyReport report;
  last_plans_.clear();
  const hostfs::CgroupReader reader(*layout_);
  for (const auto& wd : decision.workloads) {
    const auto it = workloads_.find(wd.workload);
    if (it == workloads_.end()) {
      ++report.workloads_failed;
      report.fields.push_back(FieldStatus{wd.workload, "*", false, "unknown workload"});
      continue;
    }
    const ManagedWorkload& w = it->second;
    KnobState before;
    auto known = known_.find(w.name);
    if (known != known_.end() && known->second.age < options_.refresh_ticks) {
      before = known->second.state;
      ++known->second.age;
    } else {
      auto settings = reader.read_settings(w.files.dirs);
      if (!settings) {
        known_.erase(w.name);
        ++report.workloads_failed;
        report.fields.push_back(FieldStatus{wd.workload, "*", false, settings.error().message});
        continue;
      }
      before = knobs_from_settings(*settings, w.files);
      known_[w.name] = Known{before, 1, {}};
    }
    auto plan = plan_workload(w.name, before, wd.targets, w.bounds, w.files, options_.plan);
    if (!plan) {
      ++report.workloads_failed;
      report.fields.push_back(FieldStatus{wd.workload, "*", false, plan.error().message});
      continue;
    }
    for (const auto& a : plan->adjusted) report.fields.push_back(a);
    last_plans_.push_back(std::move(plan).value());
  }
  // cpusets: shrinking children go before their parents, growing parents before children.
  std::stable_sort(last_plans_.begin(), last_plans_.end(),
                   [](const WorkloadPlan& a, const WorkloadPlan& b) {
                     return a.cpuset_direction < b.cpuset_direction;
                   });
  const auto cpuset_depth = [&](const WorkloadPlan& p) {
    return depth_of(workloads_.at(p.workload).files.dirs.get(hostfs::Controller::kCpuset));
  };
  const auto first_grow =
      std::find_if(last_plans_.begin(), last_plans_.end(),
                   [](const WorkloadPlan& p) { return p.cpuset_direction > 0; });
  const auto first_same =
      std::find_if(last_plans_.begin(), last_plans_.end(),
                   [](const WorkloadPlan& p) { return p.cpuset_direction >= 0; });
  std::stable_sort(last_plans_.begin(), first_same,
                   [&](const WorkloadPlan& a, const WorkloadPlan& b) {
                     return cpuset_depth(a) > cpuset_depth(b);
                   });
  std::stable_sort(first_grow, last_plans_.end(),
                   [&](const WorkloadPlan& a, const WorkloadPlan& b) {
                     return cpuset_depth(a) < cpuset_depth(b);
                   });

  // Every file this tick may touch for the first time is journalled before any write, with one
  // fsync. A file that cannot be read or journalled fails its workload's transaction below.
  if (!options_.dry_run) {
    std::vector<JournalEntry> fresh;
    const auto journal_first = [&](std::string path) {
      if (journal_.contains(path)) return;
      for (const auto& e : fresh) {
        if (e.path == path) return;
      }
      if (auto original = fs_->read(path)) {
        fresh.push_back({std::move(path), std::move(original).value()});
      }
    };
    for (const auto& plan : last_plans_) {
      for (const auto& w : plan.writes) {
        // A file the kernel rewrites when this one is written is journalled before it:
        // restore, in reverse order, puts this file back first, then the one it rewrote.
        for (const std::string_view other : rewritten_by(w.file)) {
          journal_first(w.dir + "/" + std::string(other));  // skipped if the file does not exist
        }
        journal_first(w.dir + "/" + w.file);
      }
    }
    if (auto s = journal_.record_all(fresh); !s) {
      report.fields.push_back(FieldStatus{"*", "journal", false, s.error().message});
    }
  }

  for (const auto& plan : last_plans_) {
    if (options_.dry_run) {
      for (const auto& w : plan.writes) {
        report.fields.push_back(FieldStatus{plan.workload, w.knob, true,
                                            "dry-run: " + w.dir + "/" + w.file + " = " + w.value});
      }
      ++report.workloads_applied;
      continue;
    }
    if (run_transaction(plan, report)) {
      ++report.workloads_applied;
      const bool kernel_rewrote =
          std::any_of(plan.writes.begin(), plan.writes.end(),
                      [](const auto& w) { return !rewritten_by(w.file).empty(); });
      if (kernel_rewrote) {
        // The kernel set a file itself (the weight, when cpu.idle changed): read what it holds
        // next time rather than trust the plan.
        known_.erase(plan.workload);
      } else if (auto k = known_.find(plan.workload); k != known_.end()) {
        k->second.state = plan.after;
      }
    } else {
      ++report.workloads_failed;
      known_.erase(plan.workload);  // unsure what the kernel holds now: read it next time
    }
  }
  return report;
}

Status CgroupActuator::restore() {
  if (options_.dry_run) return Status::success();
  known_.clear();
  const auto report = restore_entries(journal_.entries(), *fs_);
  if (!report.ok()) {
    std::string why = "restore incomplete";
    for (const auto& f : report.failures) why += "; " + f.describe();
    return Error{why};
  }
  return journal_.remove();
}

}  // namespace dwae::actuator
