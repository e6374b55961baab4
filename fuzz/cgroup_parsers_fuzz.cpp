// Fuzzes the single-value and flat-keyed cgroup parsers, and checks that a parsed cpu list
// survives format_cpu_list unchanged.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dwae/hostfs/parsers.h"

using namespace dwae::hostfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto keyed = parse_flat_keyed(text);
  if (keyed.ok() && !keyed->empty()) {
    // find_key returns the first entry of a key.
    const auto& [key, value] = keyed->front();
    if (find_key(*keyed, key) != value) __builtin_trap();
  }
  // The allocation-free scan accepts exactly what parse_flat_keyed accepts, with equal values.
  std::optional<uint64_t> scanned;
  const std::string_view first_key =
      keyed.ok() && !keyed->empty() ? std::string_view(keyed->front().first) : "anon";
  const auto scan = scan_flat_keyed(text, {{first_key, &scanned}});
  if (scan.ok() != keyed.ok()) __builtin_trap();
  if (keyed.ok() && scanned != find_key(*keyed, first_key)) __builtin_trap();
  (void)parse_u64_or_max(text);
  (void)parse_bool01(text);
  (void)parse_cpu_max(text);

  const auto ids = parse_cpu_list(text);
  if (ids.ok()) {
    const auto again = parse_cpu_list(format_cpu_list(*ids));
    if (!again.ok() || *again != *ids) __builtin_trap();
  }
  return 0;
}
