// Fuzzes the io (v2) and blkio (v1) parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dwae/hostfs/parsers.h"

using namespace dwae::hostfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_device_id(text);
  (void)parse_io_stat(text);
  (void)parse_blkio_v1(text, true);
  (void)parse_blkio_v1(text, false);
  (void)parse_io_max(text);
  (void)parse_blkio_throttle_v1(text);

  const auto weights = parse_io_weight(text);
  if (weights.ok()) {
    for (const auto& [device, weight] : weights->per_device) {
      if (weight == 0) __builtin_trap();  // 0 is never a valid weight
    }
  }
  return 0;
}
