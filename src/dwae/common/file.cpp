// read/write helpers on raw file descriptors: the hot path of every sample.
#include "dwae/common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace dwae {
namespace {

Result<std::string> read_fd(int fd, std::string_view what) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Error::from_errno("read " + std::string(what), err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

Result<std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno("open " + path, errno);
  return read_fd(fd, path);
}

Result<RegularFile> RegularFile::open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error::from_errno("open " + path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Error::from_errno("stat " + path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    const bool dir = S_ISDIR(st.st_mode);
    Error e{path + (dir ? ": is a directory" : ": not a regular file")};
    e.errno_value = dir ? EISDIR : EINVAL;
    return e;
  }
  return RegularFile(fd, static_cast<uint64_t>(st.st_size));
}

RegularFile::RegularFile(RegularFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

RegularFile& RegularFile::operator=(RegularFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool is_not_regular_file(const Error& error) {
  return error.errno_value == EISDIR || error.errno_value == EINVAL;
}

Result<std::string> read_regular_file(const std::string& path, size_t max_bytes) {
  auto file = RegularFile::open(path);
  if (!file) return file.error();
  const auto too_large = [&] {
    return Error{path + ": too large (the limit is " + std::to_string(max_bytes) + " bytes)"};
  };
  if (file->size_at_open() > max_bytes) return too_large();
  // Sized from the file, not the limit; it may grow while it is read: at most one byte past
  // the limit is read to tell.
  std::string out(static_cast<size_t>(file->size_at_open()) + 1, '\0');
  size_t used = 0;
  for (;;) {
    if (used == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(max_bytes + 1, out.size() * 2));
    }
    const ssize_t n = ::read(file->get(), out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("read " + path, errno);
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes) return too_large();
  out.resize(used);
  return out;
}

Result<std::string> read_file_at(int dir_fd, const char* name) {
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(std::string("open ") + name, errno);
  return read_fd(fd, name);
}

Status write_file(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno("open " + path, errno);
  ssize_t n = 0;
  do {
    n = ::write(fd, content.data(), content.size());
  } while (n < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (n < 0) return Error::from_errno("write " + path, err);
  if (static_cast<size_t>(n) != content.size()) {
    return Error{"short write to " + path + ": " + std::to_string(n) + " of " +
                 std::to_string(content.size()) + " bytes"};
  }
  return Status::success();
}

bool is_missing(const Error& error) {
  return error.errno_value == ENOENT || error.errno_value == ENOTDIR;
}

ssize_t pread_whole(int fd, std::string& buffer) {
  if (buffer.size() < 4096) buffer.resize(4096);
  size_t used = 0;
  for (;;) {
    const ssize_t n =
        ::pread(fd, buffer.data() + used, buffer.size() - used, static_cast<off_t>(used));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    used += static_cast<size_t>(n);
    // A short read is the end of a procfs, cgroup or tmpfs file.
    if (used < buffer.size()) return static_cast<ssize_t>(used);
    buffer.resize(buffer.size() * 2);
  }
}

KeptFile::KeptFile(KeptFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), buffer_(std::move(other.buffer_)) {
  other.fd_ = -1;
}

KeptFile& KeptFile::operator=(KeptFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    buffer_ = std::move(other.buffer_);
    other.fd_ = -1;
  }
  return *this;
}

KeptFile::~KeptFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string_view> KeptFile::read() {
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Error::from_errno("open " + path_, errno);
  }
  const ssize_t n = pread_whole(fd_, buffer_);
  if (n < 0) {
    ::close(fd_);
    fd_ = -1;
    return Error::from_errno("read " + path_, static_cast<int>(-n));
  }
  return std::string_view(buffer_.data(), static_cast<size_t>(n));
}

Result<DirFd> DirFd::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno("open " + path, errno);
  return DirFd(fd);
}

DirFd::DirFd(DirFd&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

DirFd& DirFd::operator=(DirFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DirFd::~DirFd() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dwae
