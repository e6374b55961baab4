// Value spelling, read-back comparison and restore writes per cgroup file.
#include "dwae/actuator/values.h"

#include <unistd.h>

#include <algorithm>

#include "dwae/common/strings.h"
#include "dwae/hostfs/parsers.h"

namespace dwae::actuator {
namespace {

using hostfs::kUnlimited;

// v1 memory files show "unlimited" as LONG_MAX rounded down to a page.
constexpr uint64_t kV1Unlimited = 0x7fffffffffff0000ULL;

bool is_memory_file(std::string_view f) {
  return f.starts_with("memory.") && f != "memory.oom.group" && f != "memory.swappiness";
}

std::optional<uint64_t> memory_value(std::string_view text) {
  auto v = hostfs::parse_u64_or_max(text);
  if (!v) return std::nullopt;
  if (*v >= kV1Unlimited) return kUnlimited;
  return *v;
}

std::string device_key(const hostfs::DeviceId& d) {
  return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

bool is_throttle_v1(std::string_view f) {
  return f.starts_with("blkio.throttle.") && f.ends_with("_device");
}
bool is_weight_file(std::string_view f) {
  return f == "io.weight" || f == "io.bfq.weight" || f == "blkio.bfq.weight" || f == "blkio.weight";
}

}  // namespace

// Both round to nearest, as the kernel's own conversion does (sched_weight_from_cgroup() and
// sched_weight_to_cgroup(): DIV_ROUND_CLOSEST), so that a weight written as shares reads back
// as the same weight (a shares step is 1/10.24 of a weight step). The inputs are capped first
// so that the products cannot overflow; the caps are far beyond either range.
uint64_t weight_to_shares(uint64_t weight) {
  weight = std::min<uint64_t>(weight, 1'000'000);
  return std::clamp<uint64_t>((weight * 1024 + 50) / 100, 2, 262144);
}

uint64_t shares_to_weight(uint64_t shares) {
  shares = std::min<uint64_t>(shares, 100'000'000);
  return std::clamp<uint64_t>((shares * 100 + 512) / 1024, 1, 10000);
}

uint64_t io_weight_to_bfq(uint64_t weight) {
  return std::clamp<uint64_t>(weight, 1, 1000);
}

uint64_t page_bytes() {
  static const uint64_t page = [] {
    const long size = ::sysconf(_SC_PAGESIZE);
    return size > 0 ? static_cast<uint64_t>(size) : uint64_t{4096};
  }();
  return page;
}

bool same_value(std::string_view file, std::string_view written, std::string_view read_back) {
  written = trim(written);
  read_back = trim(read_back);
  if (is_memory_file(file)) {
    const auto w = memory_value(written);
    const auto r = memory_value(read_back);
    if (!w || !r) return false;
    if (*w == kUnlimited || *r == kUnlimited) return *w == *r;
    const uint64_t page = page_bytes();
    return *r == *w / page * page;  // the kernel rounds down to a page
  }
  if (file.starts_with("cpuset.")) {
    const auto w = hostfs::parse_cpu_list(written);
    const auto r = hostfs::parse_cpu_list(read_back);
    return w && r && *w == *r;
  }
  if (file == "cpu.max") {
    const auto w = hostfs::parse_cpu_max(written);
    const auto r = hostfs::parse_cpu_max(read_back);
    return w && r && *w == *r;
  }
  if (is_weight_file(file)) {
    // We write only the default weight ("default N" or "N").
    const auto r = hostfs::parse_io_weight(read_back);
    const auto w = hostfs::parse_io_weight(written);
    return w && r && w->default_weight == r->default_weight;
  }
  if (file == "io.max") {
    const auto w = hostfs::parse_io_max(written);
    const auto r = hostfs::parse_io_max(read_back);
    if (!w || !r || w->size() != 1) return false;
    const auto it = std::find_if(
        r->begin(), r->end(), [&](const hostfs::IoLimit& l) { return l.device == (*w)[0].device; });
    if (it == r->end()) {
      const auto& x = (*w)[0];
      return x.rbps == kUnlimited && x.wbps == kUnlimited && x.riops == kUnlimited &&
             x.wiops == kUnlimited;
    }
    return *it == (*w)[0];
  }
  if (is_throttle_v1(file)) {
    const auto w = hostfs::parse_blkio_throttle_v1(written);
    const auto r = hostfs::parse_blkio_throttle_v1(read_back);
    if (!w || !r || w->size() != 1) return false;
    const hostfs::DeviceId dev = (*w)[0].first;
    const uint64_t value = (*w)[0].second;
    const auto it =
        std::find_if(r->begin(), r->end(), [&](const auto& e) { return e.first == dev; });
    return it == r->end() ? value == 0 : it->second == value;
  }
  if (written == read_back) return true;
  // cpu.cfs_quota_us: "max" is written as -1; numbers compare numerically.
  const auto w = parse_int64(written);
  const auto r = parse_int64(read_back);
  return w && r && *w == *r;
}

std::span<const std::string_view> rewritten_by(std::string_view file) {
  static constexpr std::string_view kIdle[] = {"cpu.shares", "cpu.weight"};
  if (file == "cpu.idle") return kIdle;
  return {};
}

Status validate_write(std::string_view file, std::string_view value) {
  const auto bad = [&](const char* why) {
    return Status(
        Error{"refused: '" + std::string(value) + "' for " + std::string(file) + ": " + why});
  };
  const auto in_range = [&](uint64_t lo, uint64_t hi) -> Status {
    const auto v = parse_uint64(value);
    if (!v || *v < lo || *v > hi) return bad("not a number in range");
    return Status::success();
  };
  if (file == "cpu.weight") return in_range(1, 10000);
  if (file == "cpu.shares") return in_range(2, 262144);
  if (file == "cpu.cfs_period_us") return in_range(1000, 1000000);
  if (file == "cpu.cfs_burst_us" || file == "cpu.max.burst") return in_range(0, 1000000000);
  if (file == "cpu.idle") return in_range(0, 1);
  if (file == "blkio.bfq.weight") return in_range(1, 1000);
  if (file == "cpu.cfs_quota_us") {
    if (trim(value) == "-1") return Status::success();
    return in_range(1000, UINT64_MAX / 2);
  }
  if (file == "cpu.max") {
    const auto m = hostfs::parse_cpu_max(value);
    if (!m || (m->quota_us && *m->quota_us < 1000) || m->period_us < 1000 ||
        m->period_us > 1000000) {
      return bad("expected 'QUOTA|max PERIOD' with quota >= 1000 and period 1000..1000000");
    }
    return Status::success();
  }
  if (is_memory_file(file)) {
    if (trim(value) == "-1" || trim(value) == "max") return Status::success();
    return in_range(0, UINT64_MAX - 1);
  }
  if (file.starts_with("cpuset.")) {
    const auto l = hostfs::parse_cpu_list(value);
    if (!l || l->empty()) return bad("not a non-empty cpu list");
    return Status::success();
  }
  if (file == "io.weight" || file == "io.bfq.weight") {
    const auto w = hostfs::parse_io_weight(value);
    if (!w || w->default_weight < 1 || w->default_weight > 10000) return bad("not a weight");
    return Status::success();
  }
  if (file == "io.max") {
    const auto m = hostfs::parse_io_max(value);
    if (!m || m->size() != 1) return bad("expected one 'MAJ:MIN key=value...' line");
    return Status::success();
  }
  if (is_throttle_v1(file)) {
    const auto m = hostfs::parse_blkio_throttle_v1(value);
    if (!m || m->size() != 1) return bad("expected one 'MAJ:MIN N' line");
    return Status::success();
  }
  return bad("not a file the actuator writes");
}

Result<std::vector<std::string>> restore_writes(std::string_view file, std::string_view original,
                                                std::string_view current) {
  const auto orig = trim(original);
  if (file == "io.max") {
    const auto o = hostfs::parse_io_max(orig);
    const auto c = hostfs::parse_io_max(current);
    if (!o || !c) return Error{std::string(file) + ": cannot parse content to restore"};
    std::vector<std::string> writes;
    for (const auto& now : *c) {
      const bool known = std::any_of(
          o->begin(), o->end(), [&](const hostfs::IoLimit& l) { return l.device == now.device; });
      if (!known)
        writes.push_back(device_key(now.device) + " rbps=max wbps=max riops=max wiops=max");
    }
    for (const auto& line : split(orig, '\n')) writes.emplace_back(trim(line));
    return writes;
  }
  if (is_throttle_v1(file)) {
    const auto o = hostfs::parse_blkio_throttle_v1(orig);
    const auto c = hostfs::parse_blkio_throttle_v1(current);
    if (!o || !c) return Error{std::string(file) + ": cannot parse content to restore"};
    std::vector<std::string> writes;
    for (const auto& entry : *c) {
      const hostfs::DeviceId dev = entry.first;
      const bool known =
          std::any_of(o->begin(), o->end(), [&](const auto& e) { return e.first == dev; });
      if (!known) writes.push_back(device_key(dev) + " 0");
    }
    for (const auto& [dev, value] : *o)
      writes.push_back(device_key(dev) + " " + std::to_string(value));
    return writes;
  }
  if (is_weight_file(file)) {
    const auto o = hostfs::parse_io_weight(orig);
    if (!o) return Error{std::string(file) + ": cannot parse content to restore"};
    const std::string w = std::to_string(o->default_weight);
    return std::vector<std::string>{file.starts_with("blkio.") ? w : "default " + w};
  }
  if (file.starts_with("cpuset.") && orig.empty()) return std::vector<std::string>{"\n"};
  if (file == "cpu.cfs_quota_us" && orig == "max") return std::vector<std::string>{"-1"};
  return std::vector<std::string>{std::string(orig)};
}

}  // namespace dwae::actuator
