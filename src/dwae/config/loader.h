// Loading a config: YAML text -> raw IR (positions kept) -> validated Config, or diagnostics.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/config/config.h"

namespace dwae::config {

struct LoadResult {
  std::optional<Config> config;         // set only when diagnostics is empty
  std::vector<Diagnostic> diagnostics;  // every problem found, in file order
  bool ok() const { return config.has_value(); }
};

// Parses and validates `text`; `file_name` is used in diagnostics. Never throws, never crashes
// on arbitrary bytes (inputs over 1 MiB are refused with a diagnostic).
LoadResult load_config_text(std::string_view text, const std::string& file_name);
// Reads the file, then load_config_text(). A file that cannot be read gives one diagnostic
// at line 0.
LoadResult load_config_file(const std::string& path);

}  // namespace dwae::config
