// Fuzz target: arbitrary bytes through the whole config loader must never crash or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dwae/config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = dwae::config::load_config_text(text, "fuzz.yaml");
  // A config is returned exactly when nothing was reported.
  if (result.ok() != result.diagnostics.empty()) __builtin_trap();
  return 0;
}
