// Thin, fast file access for cgroup and procfs files: one open, reads until EOF, close.
// Missing files are common (a controller not enabled, a kernel without a feature), so callers
// can tell ENOENT apart through Error::errno_value.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "dwae/common/result.h"

namespace dwae {

// Reads a whole file. Fails with errno_value set on any system-call error.
Result<std::string> read_file(const std::string& path);
// A file that an operator names (a config, a scenario, a model, a saved result, a status file,
// the audit log), open for reading. `open` refuses what is not a regular file (a FIFO would
// block, /dev/zero never ends, a directory is no file) with a message that says which and
// errno_value EISDIR or EINVAL (is_not_regular_file); an absent one fails as is_missing.
class RegularFile {
 public:
  static Result<RegularFile> open(const std::string& path);
  RegularFile(RegularFile&& other) noexcept;
  RegularFile& operator=(RegularFile&& other) noexcept;
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  ~RegularFile();
  int get() const { return fd_; }
  uint64_t size_at_open() const { return size_; }

 private:
  RegularFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  uint64_t size_ = 0;
};
bool is_not_regular_file(const Error& error);

// Reads such a file whole, refusing one over `max_bytes` (never reading more than
// `max_bytes` + 1 bytes).
Result<std::string> read_regular_file(const std::string& path, size_t max_bytes);
// Reads `name` relative to an open directory descriptor (saves path walks when many files of
// one cgroup directory are read).
Result<std::string> read_file_at(int dir_fd, const char* name);
// Writes `content` in one write(2) call, as cgroup files require; a short write is an error.
Status write_file(const std::string& path, std::string_view content);

bool is_missing(const Error& error);  // ENOENT or ENOTDIR: the thing is absent, not broken

// Reads an open file whole from offset 0 into `buffer` (grown as needed) with pread(2): one
// call for a procfs or cgroup file that fits, whose content is made afresh at offset 0.
// Returns the length, or -errno.
ssize_t pread_whole(int fd, std::string& buffer);

// A file read again and again through one descriptor kept open (/proc/pressure/*): one
// pread(2) per read instead of open, read, read and close. Opens on the first read, and again
// after a failed one.
class KeptFile {
 public:
  explicit KeptFile(std::string path) : path_(std::move(path)) {}
  KeptFile(KeptFile&& other) noexcept;
  KeptFile& operator=(KeptFile&& other) noexcept;
  KeptFile(const KeptFile&) = delete;
  KeptFile& operator=(const KeptFile&) = delete;
  ~KeptFile();

  // The whole content; the view stays valid until the next read.
  Result<std::string_view> read();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
};

// An open directory, closed on destruction.
class DirFd {
 public:
  static Result<DirFd> open(const std::string& path);
  DirFd(DirFd&& other) noexcept;
  DirFd& operator=(DirFd&& other) noexcept;
  DirFd(const DirFd&) = delete;
  DirFd& operator=(const DirFd&) = delete;
  ~DirFd();
  int get() const { return fd_; }

 private:
  explicit DirFd(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace dwae
