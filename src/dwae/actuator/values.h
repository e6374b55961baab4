// How each cgroup file DWAE writes is spelled, compared and restored, for v1 and v2 alike:
// the conversions between v2 and v1 scales, the comparison of a written value with what the
// kernel reads back (the kernel rounds memory to pages and rewrites cpu lists), and the writes
// that put a file's earlier content back.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/common/result.h"

namespace dwae::actuator {

// cpu.weight (v2, 1..10000, default 100) <-> cpu.shares (v1, 2..262144, default 1024), the
// kernel's conversion: shares = weight * 1024 / 100 and weight = shares * 100 / 1024, each
// rounded to nearest and clamped. Every weight survives weight -> shares -> weight.
uint64_t weight_to_shares(uint64_t weight);
uint64_t shares_to_weight(uint64_t shares);
// io.weight (v2, 1..10000) -> BFQ weight (1..1000): the same number, clamped, so the common
// default 100 maps to 100.
uint64_t io_weight_to_bfq(uint64_t weight);

// The kernel's page size (memory limits are rounded down to it): 4 KiB on x86-64, 16 or 64 KiB
// on some arm64 kernels.
uint64_t page_bytes();

// True when `read_back` is what the kernel shows after `written` was written to `file` (a
// file name such as "memory.high" or "cpuset.cpus").
bool same_value(std::string_view file, std::string_view written, std::string_view read_back);

// Refuses a value that is not well formed for `file` or out of the kernel's range for it
// (e.g. cpu.weight outside 1..10000, a cpu list that does not parse).
Status validate_write(std::string_view file, std::string_view value);

// The files in the same cgroup that the kernel rewrites itself when `file` is written: writing
// cpu.idle sets the group's weight (the idle weight on entering, the default on leaving), in
// cpu.shares on v1 and cpu.weight on v2. Their originals are journalled with `file`, and what
// they held before the write is no longer what they hold after it.
std::span<const std::string_view> rewritten_by(std::string_view file);

// The writes that turn `current` content of `file` back into `original` content. For files
// holding one value this is one write; for per-device files (io.max, blkio.throttle.*) one
// write per device, including removal of devices that were added since.
Result<std::vector<std::string>> restore_writes(std::string_view file, std::string_view original,
                                                std::string_view current);

}  // namespace dwae::actuator
