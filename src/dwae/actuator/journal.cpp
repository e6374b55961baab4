// Journal persistence (JSON, atomic replace) and restore.
#include "dwae/actuator/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dwae/actuator/values.h"
#include "dwae/common/file.h"
#include "dwae/common/strings.h"

namespace dwae::actuator {
namespace {

Status write_all_fsync(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::from_errno("open " + path, errno);
  size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Error::from_errno("write " + path, err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return Error::from_errno("fsync " + path, err);
  }
  if (::close(fd) != 0) return Error::from_errno("close " + path, errno);
  return Status::success();
}

Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno("open " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Error::from_errno("fsync " + dir, err);
  return Status::success();
}

}  // namespace

std::string current_boot_id() {
  auto id = read_file("/proc/sys/kernel/random/boot_id");
  return id ? std::string(trim(*id)) : std::string();
}

Result<Journal> Journal::open(const std::string& path) {
  Journal j(path);
  auto text = read_file(path);
  if (!text) {
    if (is_missing(text.error())) return j;
    return text.error();
  }
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("version", 0) != 1 ||
      !doc.contains("entries") || !doc["entries"].is_array()) {
    return Error{"journal " + path + " is not a DWAE journal (version 1)"};
  }
  for (const auto& e : doc["entries"]) {
    if (!e.is_object() || !e.contains("path") || !e.contains("original") ||
        !e["path"].is_string() || !e["original"].is_string()) {
      return Error{"journal " + path + " has a malformed entry"};
    }
    j.entries_.push_back({e["path"].get<std::string>(), e["original"].get<std::string>()});
    j.index_.insert(j.entries_.back().path);
  }
  if (doc.contains("boot_id") && doc["boot_id"].is_string()) {
    j.boot_id_ = doc["boot_id"].get<std::string>();
  }
  return j;
}

bool Journal::contains(const std::string& file) const {
  return index_.count(file) != 0;
}

Status Journal::persist() const {
  // JSON strings are UTF-8; a cgroup path need not be (a tenant names its own cgroups). Such a
  // path is refused here, before anything is written to it.
  for (const auto& e : entries_) {
    if (!is_utf8(e.path) || !is_utf8(e.original)) {
      return Error{"journal: cannot record " + printable(e.path) +
                   ": the path or its content is not UTF-8"};
    }
  }
  nlohmann::json doc;
  doc["version"] = 1;
  doc["boot_id"] = current_boot_id();
  doc["entries"] = nlohmann::json::array();
  for (const auto& e : entries_)
    doc["entries"].push_back({{"path", e.path}, {"original", e.original}});
  const std::filesystem::path p(path_);
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  const std::string tmp = path_ + ".tmp";
  if (auto s = write_all_fsync(tmp, doc.dump(1) + "\n"); !s) return s;
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return Error::from_errno("rename " + tmp, errno);
  return fsync_dir(p.parent_path().empty() ? "." : p.parent_path().string());
}

Status Journal::record(const std::string& file, const std::string& original) {
  return record_all({JournalEntry{file, original}});
}

Status Journal::record_all(const std::vector<JournalEntry>& entries) {
  const size_t before = entries_.size();
  for (const auto& e : entries) {
    if (index_.insert(e.path).second) entries_.push_back(e);
  }
  if (entries_.size() == before) return Status::success();
  if (auto s = persist(); !s) {
    for (size_t i = before; i < entries_.size(); ++i) index_.erase(entries_[i].path);
    entries_.resize(before);
    return s;
  }
  return Status::success();
}

Status Journal::forget(const std::vector<std::string>& files) {
  const std::unordered_set<std::string> gone(files.begin(), files.end());
  std::vector<JournalEntry> kept;
  for (auto& e : entries_) {
    if (gone.count(e.path) == 0) kept.push_back(e);
  }
  if (kept.size() == entries_.size()) return Status::success();
  if (kept.empty()) return remove();
  std::swap(entries_, kept);
  if (auto s = persist(); !s) {
    std::swap(entries_, kept);  // the file still holds them: so does memory
    return s;
  }
  for (const auto& f : gone) index_.erase(f);
  return Status::success();
}

Status Journal::remove() {
  entries_.clear();
  index_.clear();
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return Error::from_errno("unlink " + path_, errno);
  }
  return Status::success();
}

Result<JournalLock> JournalLock::acquire(const std::string& journal_path) {
  const std::string path = journal_path + ".lock";
  auto lock = LockFile::acquire(
      path, "journal " + journal_path + " belongs to another running dwae (it holds " + path +
                "); stop that one first: it restores what it changed when it stops");
  if (!lock) return lock.error();
  return JournalLock(std::move(*lock));
}

std::string RestoreFailure::describe() const {
  return path.empty() ? message : "failed " + path + ": " + message;
}

std::vector<std::string> RestoreReport::failed_paths() const {
  std::vector<std::string> out;
  for (const auto& f : failures) {
    if (!f.path.empty()) out.push_back(f.path);
  }
  return out;
}

RestoreReport restore_entries(const std::vector<JournalEntry>& entries, FileSystem& fs) {
  RestoreReport report;
  std::vector<const JournalEntry*> pending;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) pending.push_back(&*it);
  std::vector<std::string> last_error(entries.size());
  // Each pass restores what it can; a value the kernel refuses now (e.g. a burst above the
  // current quota) usually goes in once its partner is back.
  for (int pass = 0; pass < 4 && !pending.empty(); ++pass) {
    std::vector<const JournalEntry*> retry;
    for (const JournalEntry* e : pending) {
      const std::filesystem::path p(e->path);
      const std::string file = p.filename().string();
      auto current = fs.read(e->path);
      if (!current) {
        if (is_missing(current.error())) {
          ++report.skipped;
          report.messages.push_back("skipped " + e->path + ": the cgroup no longer exists");
        } else {
          report.failures.push_back({e->path, current.error().message});
        }
        continue;
      }
      if (same_value(file, e->original, *current)) {
        ++report.restored;
        continue;
      }
      auto writes = restore_writes(file, e->original, *current);
      bool ok = writes.ok();
      std::string why = ok ? "" : writes.error().message;
      if (ok) {
        for (const auto& w : *writes) {
          if (auto s = fs.write(e->path, w); !s) {
            ok = false;
            why = s.error().message;
            if (is_missing(s.error())) break;
          }
        }
      }
      if (ok) {
        ++report.restored;
      } else {
        retry.push_back(e);
        last_error[static_cast<size_t>(e - entries.data())] = why;
      }
    }
    pending = std::move(retry);
  }
  for (const JournalEntry* e : pending) {
    report.failures.push_back({e->path, last_error[static_cast<size_t>(e - entries.data())]});
  }
  return report;
}

RestoreReport restore_journal(const std::string& journal_path, FileSystem& fs) {
  auto journal = Journal::open(journal_path);
  if (!journal) {
    RestoreReport r;
    r.failures.push_back({"", journal.error().message});
    return r;
  }
  const std::string boot = current_boot_id();
  if (!journal->boot_id().empty() && !boot.empty() && journal->boot_id() != boot) {
    // Written before the last reboot: every cgroup it names is gone, and one made since at the
    // same path holds what its owner set at this boot, not what the journal would put back.
    RestoreReport r;
    r.skipped = journal->entries().size();
    r.messages.push_back("journal " + journal_path + " is from an earlier boot (" +
                         journal->boot_id() + "): its cgroups are gone, nothing restored");
    if (auto s = journal->remove(); !s) r.failures.push_back({"", s.error().message});
    return r;
  }
  // What failed stays, alone, for the next attempt and for the operator to read.
  const std::vector<JournalEntry> all = journal->entries();
  return journal->put_back(all, fs);
}

RestoreReport Journal::put_back(const std::vector<JournalEntry>& entries, FileSystem& fs) {
  RestoreReport report = restore_entries(entries, fs);
  const std::vector<std::string> failed = report.failed_paths();
  std::vector<std::string> done;
  for (const auto& e : entries) {
    if (std::find(failed.begin(), failed.end(), e.path) == failed.end()) done.push_back(e.path);
  }
  if (auto s = forget(done); !s) report.failures.push_back({"", "journal: " + s.error().message});
  return report;
}

}  // namespace dwae::actuator
