// The actuator's only door to the host: read a file, write a file, resolve a path. Injected so
// that fault tests can fail any write in any way (EINVAL, EBUSY, short writes, ...).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "dwae/common/result.h"

namespace dwae::actuator {

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::string> read(const std::string& path) = 0;
  // One write(2) of the whole value; a short write is an error.
  virtual Status write(const std::string& path, std::string_view value) = 0;
  // realpath(3): symlinks resolved, the path must exist.
  virtual Result<std::string> resolve(const std::string& path) = 0;
  // lstat(2): whether the path itself is a symbolic link.
  virtual Result<bool> is_symlink(const std::string& path) = 0;
};

// Keeps up to `max_open` files open between calls, so that the read before a write, the write
// and its read-back cost one system call each (pread/pwrite at offset 0; cgroup files act on
// every write and regenerate on every read). A descriptor whose cgroup was removed (ENODEV)
// is dropped and the path opened afresh once. Regular files (test fixtures) are truncated
// before each write, as `echo v > file` would.
class RealFileSystem final : public FileSystem {
 public:
  explicit RealFileSystem(size_t max_open = 4096) : max_open_(max_open) {}
  RealFileSystem(const RealFileSystem&) = delete;
  RealFileSystem& operator=(const RealFileSystem&) = delete;
  ~RealFileSystem() override;

  Result<std::string> read(const std::string& path) override;
  Status write(const std::string& path, std::string_view value) override;
  Result<std::string> resolve(const std::string& path) override;
  Result<bool> is_symlink(const std::string& path) override;
  size_t open_files() const { return open_.size(); }

 private:
  struct OpenFile {
    int fd = -1;
    bool writable = false;
    bool truncate = false;  // a regular file on a disk or tmpfs, not a cgroup file
  };
  Result<OpenFile> open_file(const std::string& path, bool for_write);
  void forget(const std::string& path);

  size_t max_open_;
  std::unordered_map<std::string, OpenFile> open_;
};

}  // namespace dwae::actuator
