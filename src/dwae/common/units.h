// Units as they are written in configs and scenario files: durations ("200ms", "1.5s", "2m")
// and sizes ("512MiB", "1G", "4096"). Parsed into base units: nanoseconds and bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "dwae/common/result.h"

namespace dwae {

// Accepts a number followed by ns, us, ms, s, m or h. A bare number is rejected: units are
// mandatory so that "200" is never silently 200 seconds.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);
// Accepts a number optionally followed by B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB
// (all powers of 1024, as cgroup files use), or "max" which is returned as UINT64_MAX.
Result<uint64_t> parse_size(std::string_view text);

std::string format_duration(std::chrono::nanoseconds d);
std::string format_size(uint64_t bytes);

}  // namespace dwae
