// RealFileSystem: thin wrappers over common/file.h and realpath(3).
#include "dwae/actuator/filesystem.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "dwae/common/file.h"

namespace dwae::actuator {

RealFileSystem::~RealFileSystem() {
  for (auto& [path, f] : open_) ::close(f.fd);
}

void RealFileSystem::forget(const std::string& path) {
  const auto it = open_.find(path);
  if (it == open_.end()) return;
  ::close(it->second.fd);
  open_.erase(it);
}

Result<RealFileSystem::OpenFile> RealFileSystem::open_file(const std::string& path,
                                                           bool for_write) {
  const auto it = open_.find(path);
  if (it != open_.end() && (it->second.writable || !for_write)) return it->second;
  if (it != open_.end()) forget(path);
  OpenFile f;
  f.fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  f.writable = f.fd >= 0;
  if (f.fd < 0 && !for_write && (errno == EACCES || errno == EPERM || errno == EROFS)) {
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (f.fd < 0) return Error::from_errno("open " + path, errno);
  struct statfs fs {};
  f.truncate = ::fstatfs(f.fd, &fs) == 0 && fs.f_type != CGROUP_SUPER_MAGIC &&
               fs.f_type != CGROUP2_SUPER_MAGIC;
  if (open_.size() >= max_open_) {
    ::close(open_.begin()->second.fd);
    open_.erase(open_.begin());
  }
  open_.emplace(path, f);
  return f;
}

Result<std::string> RealFileSystem::read(const std::string& path) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto f = open_file(path, false);
    if (!f) return f.error();
    std::string out;
    char buf[4096];
    int err = 0;
    for (;;) {
      const ssize_t n = ::pread(f->fd, buf, sizeof buf, static_cast<off_t>(out.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buf) break;  // short read: end of file
    }
    if (err == 0) return out;
    forget(path);
    if (err != ENODEV && err != ESTALE) return Error::from_errno("read " + path, err);
  }
  return read_file(path);
}

Status RealFileSystem::write(const std::string& path, std::string_view value) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto f = open_file(path, true);
    if (!f) return f.error();
    if (f->truncate && ::ftruncate(f->fd, 0) != 0)
      return Error::from_errno("truncate " + path, errno);
    ssize_t n = 0;
    do {
      n = ::pwrite(f->fd, value.data(), value.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) {
      if (static_cast<size_t>(n) != value.size()) {
        return Error{"short write to " + path + ": " + std::to_string(n) + " of " +
                     std::to_string(value.size()) + " bytes"};
      }
      return Status::success();
    }
    const int err = errno;
    if (err != ENODEV && err != ESTALE) return Error::from_errno("write " + path, err);
    forget(path);  // the cgroup was removed (and maybe made again): reopen once
  }
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
