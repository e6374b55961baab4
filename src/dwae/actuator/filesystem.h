// The actuator's only door to the host: read a file, write a file, resolve a path. Injected so
// that fault tests can fail any write in any way (EINVAL, EBUSY, short writes, ...).
#pragma once

#include <string>
#include <string_view>

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

class RealFileSystem final : public FileSystem {
 public:
  Result<std::string> read(const std::string& path) override;
  Status write(const std::string& path, std::string_view value) override;
  Result<std::string> resolve(const std::string& path) override;
  Result<bool> is_symlink(const std::string& path) override;
};

}  // namespace dwae::actuator
