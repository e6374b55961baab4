// Fuzzes the PSI parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dwae/hostfs/parsers.h"

using namespace dwae::hostfs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto pressure = parse_pressure(text);
  if (pressure.ok() &&
      (pressure->some.avg10 < 0 || pressure->some.avg60 < 0 || pressure->some.avg300 < 0)) {
    __builtin_trap();  // negative averages must have been rejected
  }
  return 0;
}
