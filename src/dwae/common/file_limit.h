// The process's open-file limit. The agent keeps a descriptor open for each statistics file of
// every cgroup it watches, so it starts by raising the soft limit as far as it may.
#pragma once

#include <cstdint>

#include "dwae/common/result.h"

namespace dwae {

// Raises RLIMIT_NOFILE's soft limit to the hard limit (allowed without privilege) and returns
// the soft limit now in force.
Result<uint64_t> raise_file_limit();

}  // namespace dwae
