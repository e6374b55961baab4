// CgroupHandle: open-once, pread-many access to one cgroup's statistics files.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dwae/common/file.h"
#include "dwae/hostfs/reader.h"

namespace dwae::hostfs {
namespace {

constexpr size_t kInitialBuffer = size_t{16} * 1024;

// File::fd values besides a descriptor.
constexpr int kClosed = -1;
constexpr int kAbsent = -2;

// Descriptors left free for per-read opens and the rest of the process (journal, metrics
// connections, /proc reads): a statistics file is kept open only below this margin.
constexpr rlim_t kSpareDescriptors = 64;

// Errors that mean "this file exists but its feature is off" (e.g. io.weight without a
// scheduler that supports it): the same as an absent file.
bool feature_off(int err) {
  return err == EOPNOTSUPP || err == EINVAL || err == ENODEV;
}

bool out_of_descriptors(int err) {
  return err == EMFILE || err == ENFILE;
}

// Whether `fd` may stay open: descriptors are handed out lowest first, so a descriptor this
// close to the limit means the table below it is full.
bool room_to_keep(int fd) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  return static_cast<rlim_t>(fd) + kSpareDescriptors < limit.rlim_cur;
}

}  // namespace

CgroupHandle::CgroupHandle(CgroupDirs dirs, bool keep_open)
    : dirs_(std::move(dirs)), keep_open_(keep_open) {
  buffer_.resize(kInitialBuffer);
}

CgroupHandle::CgroupHandle(CgroupHandle&& other) noexcept
    : dirs_(std::move(other.dirs_)),
      keep_open_(other.keep_open_),
      dirs_checked_(other.dirs_checked_),
      files_(std::move(other.files_)),
      buffer_(std::move(other.buffer_)) {
  other.files_.clear();
}

CgroupHandle& CgroupHandle::operator=(CgroupHandle&& other) noexcept {
  if (this != &other) {
    close_all();
    dirs_ = std::move(other.dirs_);
    keep_open_ = other.keep_open_;
    dirs_checked_ = other.dirs_checked_;
    files_ = std::move(other.files_);
    buffer_ = std::move(other.buffer_);
    other.files_.clear();
  }
  return *this;
}

CgroupHandle::~CgroupHandle() {
  close_all();
}

void CgroupHandle::close_all() {
  for (auto& f : files_) {
    if (f.fd >= 0) ::close(f.fd);
  }
  files_.clear();
}

void CgroupHandle::reset() {
  close_all();
  dirs_checked_ = false;
}

void CgroupHandle::start_full_read() {
  for (auto& f : files_) {
    if (f.fd == kAbsent) f.fd = kClosed;
  }
  dirs_checked_ = false;
}

bool CgroupHandle::release_one(const File& except) {
  for (auto& f : files_) {
    if (f.fd >= 0 && &f != &except) {
      ::close(f.fd);
      f.fd = kClosed;
      return true;
    }
  }
  return false;
}

size_t CgroupHandle::open_files() const {
  size_t n = 0;
  for (const auto& f : files_) n += f.fd >= 0 ? 1 : 0;
  return n;
}

size_t CgroupHandle::dir_index(const std::string& dir) const {
  for (size_t i = 0; i < kControllerCount; ++i) {
    if (&dirs_.by_controller[i] == &dir) return i;
  }
  return kControllerCount;  // the unified directory
}

Status CgroupHandle::check_dirs() {
  if (keep_open_ && dirs_checked_) return Status::success();
  // A handle that has read files before saw the cgroup: now it is gone.
  const char* what = files_.empty() ? "" : " vanished";
  struct stat st {};
  const auto missing = [&](const std::string& d) {
    return !d.empty() && ::stat(d.c_str(), &st) != 0;
  };
  const std::string* gone = nullptr;
  for (const auto& d : dirs_.by_controller) {
    if (missing(d)) {
      gone = &d;
      break;
    }
  }
  if (gone == nullptr && missing(dirs_.unified)) gone = &dirs_.unified;
  if (gone != nullptr) {
    const int err = errno;
    Error error = Error::from_errno("cgroup " + *gone + what, err);
    reset();  // what is still open belongs to a cgroup that is gone
    return error;
  }
  dirs_checked_ = true;
  return Status::success();
}

Result<std::optional<std::string_view>> CgroupHandle::read(const std::string& dir, const char* name,
                                                           bool hot) {
  const size_t index = dir_index(dir);
  if (index == kControllerCount && &dir != &dirs_.unified) {
    return Error{"not a directory of this cgroup handle: " + dir};
  }
  File* file = nullptr;
  for (auto& f : files_) {
    if (f.dir == index && (f.name == name || std::strcmp(f.name, name) == 0)) {
      file = &f;
      break;
    }
  }
  if (file == nullptr) {
    files_.push_back(File{index, name, kClosed});
    file = &files_.back();
  }
  if (file->fd == kAbsent) return std::optional<std::string_view>();
  const bool fresh = file->fd < 0;
  if (fresh) {
    path_.assign(dir).append("/").append(name);
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    // No descriptor left: give up one this handle keeps (it is opened per read from now on)
    // rather than fail the read.
    if (fd < 0 && out_of_descriptors(errno) && release_one(*file)) {
      fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
      const int err = errno;
      if (err == ENOENT || err == ENOTDIR || feature_off(err)) {
        if (keep_open_) file->fd = kAbsent;
        return std::optional<std::string_view>();
      }
      return Error::from_errno("open " + path_, err);
    }
    file->fd = fd;
  }
  const ssize_t n = pread_whole(file->fd, buffer_);
  if (n < 0) {
    const int err = static_cast<int>(-n);
    ::close(file->fd);
    file->fd = kClosed;
    // A file of a removed cgroup that we held open reads as ENODEV: the cgroup is gone, and so
    // is every other file the handle holds. The next read starts afresh.
    if (err == ENODEV && !fresh) {
      reset();
      return Error::from_errno("cgroup " + dir + " vanished", err);
    }
    if (feature_off(err)) {
      if (keep_open_) file->fd = kAbsent;
      return std::optional<std::string_view>();
    }
    return Error::from_errno("read " + dir + "/" + name, err);
  }
  const auto used = static_cast<size_t>(n);
  const bool keep = keep_open_ && hot && (!fresh || room_to_keep(file->fd));
  if (!keep) {
    ::close(file->fd);
    file->fd = kClosed;
  }
  return std::optional<std::string_view>(std::string_view(buffer_.data(), used));
}

}  // namespace dwae::hostfs
