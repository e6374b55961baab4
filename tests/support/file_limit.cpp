// ScopedFileLimit: getrlimit/setrlimit around a test.
#include "support/file_limit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dwae::test {

ScopedFileLimit::ScopedFileLimit(rlim_t soft) {
  if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) {
    throw std::runtime_error(std::string("getrlimit: ") + std::strerror(errno));
  }
  set(soft);
}

ScopedFileLimit::~ScopedFileLimit() {
  ::setrlimit(RLIMIT_NOFILE, &saved_);
}

void ScopedFileLimit::set(rlim_t soft) const {
  rlimit limit = saved_;
  limit.rlim_cur = soft;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    throw std::runtime_error("setrlimit RLIMIT_NOFILE " + std::to_string(soft) + ": " +
                             std::strerror(errno));
  }
}

rlim_t ScopedFileLimit::lowest_free_descriptor() {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("open /dev/null: ") + std::strerror(errno));
  ::close(fd);
  return static_cast<rlim_t>(fd);
}

}  // namespace dwae::test
