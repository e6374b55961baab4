// Duration and size parsing for human-written files.
#include "dwae/common/units.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "dwae/common/strings.h"

namespace dwae {
namespace {

// Splits "12.5ms" into ("12.5", "ms").
std::pair<std::string_view, std::string_view> split_number(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-' ||
                          s[i] == '+' || s[i] == 'e' || s[i] == 'E')) {
    // 'e' only counts as an exponent when a digit or sign follows it.
    if ((s[i] == 'e' || s[i] == 'E') &&
        (i + 1 >= s.size() || !((s[i + 1] >= '0' && s[i + 1] <= '9') || s[i + 1] == '-'))) {
      break;
    }
    ++i;
  }
  return {s.substr(0, i), trim(s.substr(i))};
}

}  // namespace

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  const auto s = trim(text);
  const auto [num, unit] = split_number(s);
  const auto value = parse_double(num);
  if (!value) return Error{"not a duration: '" + std::string(text) + "' (expected e.g. 200ms)"};
  if (*value < 0) return Error{"duration must not be negative: '" + std::string(text) + "'"};
  double scale = 0;
  if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "s") {
    scale = 1e9;
  } else if (unit == "m" || unit == "min") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else if (unit.empty()) {
    return Error{"duration needs a unit (ns, us, ms, s, m, h): '" + std::string(text) + "'"};
  } else {
    return Error{"unknown duration unit '" + std::string(unit) + "' (use ns, us, ms, s, m, h)"};
  }
  const double ns = *value * scale;
  constexpr double kMaxNs = 4.6e18;  // about half of INT64_MAX: room for arithmetic on it
  if (ns > kMaxNs) {
    return Error{"duration too large: '" + std::string(text) + "'"};
  }
  return std::chrono::nanoseconds{static_cast<int64_t>(std::llround(ns))};
}

Result<uint64_t> parse_size(std::string_view text) {
  const auto s = trim(text);
  if (s == "max") return std::numeric_limits<uint64_t>::max();
  const auto [num, unit] = split_number(s);
  const auto value = parse_double(num);
  if (!value) return Error{"not a size: '" + std::string(text) + "' (expected e.g. 512MiB)"};
  if (*value < 0) return Error{"size must not be negative: '" + std::string(text) + "'"};
  struct Suffix {
    std::string_view name;
    double scale;
  };
  static constexpr std::array<Suffix, 13> kSuffixes{{{"", 1},
                                                     {"B", 1},
                                                     {"K", 1024.0},
                                                     {"KB", 1024.0},
                                                     {"KiB", 1024.0},
                                                     {"M", 1048576.0},
                                                     {"MB", 1048576.0},
                                                     {"MiB", 1048576.0},
                                                     {"G", 1073741824.0},
                                                     {"GB", 1073741824.0},
                                                     {"GiB", 1073741824.0},
                                                     {"T", 1099511627776.0},
                                                     {"TiB", 1099511627776.0}}};
  for (const auto& suffix : kSuffixes) {
    if (unit == suffix.name) {
      const double bytes = *value * suffix.scale;
      if (bytes >= 1.8e19) return Error{"size too large: '" + std::string(text) + "'"};
      return static_cast<uint64_t>(std::llround(bytes));
    }
  }
  return Error{"unknown size unit '" + std::string(unit) + "' (use B, KiB, MiB, GiB, TiB)"};
}

std::string format_duration(std::chrono::nanoseconds d) {
  const auto ns = d.count();
  char buf[64];
  if (ns % 1000000000 == 0) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ns / 1000000000));
  } else if (ns % 1000000 == 0) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ns / 1000000));
  } else if (ns % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(ns / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  }
  return buf;
}

std::string format_size(uint64_t bytes) {
  if (bytes == std::numeric_limits<uint64_t>::max()) return "max";
  static constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024.0 && unit + 1 < kUnits.size()) {
    v /= 1024.0;
    ++unit;
  }
  char buf[64];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f%s", v, kUnits[unit]);
  }
  return buf;
}

}  // namespace dwae
