// The restore journal: the original content of every cgroup file the agent has touched,
// recorded (atomically, fsynced) before the first write to that file. On a clean stop the
// files are put back and the journal removed; after a crash the next start (or `dwae restore`)
// puts them back from the journal.
#pragma once

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "dwae/actuator/filesystem.h"
#include "dwae/common/lock_file.h"
#include "dwae/common/result.h"

namespace dwae::actuator {

struct JournalEntry {
  std::string path;
  std::string original;
};

// Something a restore could not do.
struct RestoreFailure {
  // The cgroup file that keeps the value it has now (and stays journalled); empty when the
  // failure is the journal's own (unreadable, or not rewritten), which the message names.
  std::string path;
  std::string message;  // why
  // "failed PATH: why", or the message alone for the journal's own failure.
  std::string describe() const;
};

struct RestoreReport {
  size_t restored = 0;
  size_t skipped = 0;  // the cgroup no longer exists
  std::vector<RestoreFailure> failures;
  // What was skipped and why (a vanished cgroup, a journal from an earlier boot); failures are
  // in `failures`, not here.
  std::vector<std::string> messages;
  size_t failed() const { return failures.size(); }
  bool ok() const { return failures.empty(); }
  // The cgroup files of `failures`, in order.
  std::vector<std::string> failed_paths() const;
};

class Journal {
 public:
  // Opens the journal at `path`, loading its entries when the file exists. A journal that
  // exists but cannot be parsed is an error (it is never silently discarded).
  static Result<Journal> open(const std::string& path);

  const std::string& path() const { return path_; }
  // The boot it was written in (/proc/sys/kernel/random/boot_id), "" when it does not say.
  const std::string& boot_id() const { return boot_id_; }
  const std::vector<JournalEntry>& entries() const { return entries_; }
  bool contains(const std::string& file) const;
  // Adds an entry and persists the journal (write temp file, fsync, rename, fsync directory)
  // before returning. Recording a file twice keeps the first original.
  Status record(const std::string& file, const std::string& original);
  // The same for many files with one persist (one fsync per tick, however many files).
  Status record_all(const std::vector<JournalEntry>& entries);
  // Drops the entries of `files` (put back by the caller) and persists the rest; deletes the
  // journal file when nothing is left.
  Status forget(const std::vector<std::string>& files);
  // Writes the originals of `entries` (some of this journal's) back, as restore_entries() does,
  // and forgets those that went back or whose cgroup is gone; what failed stays journalled.
  RestoreReport put_back(const std::vector<JournalEntry>& entries, FileSystem& fs);
  // Deletes the journal file and forgets every entry.
  Status remove();

 private:
  explicit Journal(std::string path) : path_(std::move(path)) {}
  Status persist() const;
  std::string path_;
  std::string boot_id_;
  std::vector<JournalEntry> entries_;
  std::unordered_set<std::string> index_;
};

// One owner per journal: an exclusive lock (flock) on `journal_path + ".lock"`, a file beside
// the journal that is created when missing and never removed, held while this object lives. A
// second agent on the same journal, or `dwae restore` while the agent that owns the journal
// runs, is refused instead of undoing what that agent still holds. The kernel drops the lock
// when its holder dies, so a crash never leaves it held.
class JournalLock {
 public:
  static Result<JournalLock> acquire(const std::string& journal_path);

 private:
  explicit JournalLock(LockFile lock) : lock_(std::move(lock)) {}
  LockFile lock_;
};

// This boot's id (/proc/sys/kernel/random/boot_id), written into every journal.
std::string current_boot_id();

// Writes every journalled original back (several passes, so that values the kernel orders,
// such as burst <= quota, go back whatever order they were touched in), skips files whose
// cgroup is gone, and removes the journal when nothing failed; otherwise the journal keeps
// only the files that failed. No journal: nothing to do. A journal written before the last
// reboot names cgroups that are all gone: it is removed and nothing is written.
RestoreReport restore_journal(const std::string& journal_path, FileSystem& fs);
// The same for entries already in memory.
RestoreReport restore_entries(const std::vector<JournalEntry>& entries, FileSystem& fs);

}  // namespace dwae::actuator
