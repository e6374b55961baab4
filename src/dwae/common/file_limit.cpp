// raise_file_limit: getrlimit + setrlimit on RLIMIT_NOFILE.
#include "dwae/common/file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <string>

namespace dwae {

Result<uint64_t> raise_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Error::from_errno("getrlimit RLIMIT_NOFILE", errno);
  }
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      return Error::from_errno("setrlimit RLIMIT_NOFILE to " + std::to_string(limit.rlim_max),
                               errno);
    }
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace dwae
