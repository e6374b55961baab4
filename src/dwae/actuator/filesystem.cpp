// RealFileSystem: thin wrappers over common/file.h and realpath(3).
#include "dwae/actuator/filesystem.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

#include "dwae/common/file.h"

namespace dwae::actuator {

Result<std::string> RealFileSystem::read(const std::string& path) {
  return read_file(path);
}

Status RealFileSystem::write(const std::string& path, std::string_view value) {
  return write_file(path, value);
}

Result<std::string> RealFileSystem::resolve(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return Error::from_errno("realpath " + path, errno);
  return std::string(buf);
}

Result<bool> RealFileSystem::is_symlink(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return Error::from_errno("lstat " + path, errno);
  return S_ISLNK(st.st_mode);
}

}  // namespace dwae::actuator
