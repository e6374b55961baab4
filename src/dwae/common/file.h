// Thin, fast file access for cgroup and procfs files: one open, reads until EOF, close.
// Missing files are common (a controller not enabled, a kernel without a feature), so callers
// can tell ENOENT apart through Error::errno_value.
#pragma once

#include <string>
#include <string_view>

#include "dwae/common/result.h"

namespace dwae {

// Reads a whole file. Fails with errno_value set on any system-call error.
Result<std::string> read_file(const std::string& path);
// Reads `name` relative to an open directory descriptor (saves path walks when many files of
// one cgroup directory are read).
Result<std::string> read_file_at(int dir_fd, const char* name);
// Writes `content` in one write(2) call, as cgroup files require; a short write is an error.
Status write_file(const std::string& path, std::string_view content);

bool is_missing(const Error& error);  // ENOENT or ENOTDIR: the thing is absent, not broken

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
