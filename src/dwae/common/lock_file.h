// An exclusive flock(2) on a file, held for the object's life. The kernel drops the lock with
// the last descriptor, so a process that dies, even by SIGKILL, never leaves it held.
#pragma once

#include <string>
#include <utility>

#include "dwae/common/result.h"

namespace dwae {

class LockFile {
 public:
  // Creates `path` (and its directory) if needed and locks it without waiting. When another
  // process holds it, the error is `busy_message` with errno_value EWOULDBLOCK.
  static Result<LockFile> acquire(const std::string& path, const std::string& busy_message);
  LockFile(LockFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  LockFile& operator=(LockFile&& other) noexcept;
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  ~LockFile();

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace dwae
