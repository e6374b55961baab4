// Entry points of the config module: run both loading steps and hand back the Config or every
// diagnostic in file order.
#include "dwae/config/loader.h"

#include <algorithm>
#include <tuple>

#include "dwae/common/file.h"
#include "dwae/config/raw.h"

namespace dwae::config {

LoadResult load_config_text(std::string_view text, const std::string& file_name) {
  detail::Problems problems(file_name);
  LoadResult result;
  if (const auto raw = detail::parse_config(text, problems)) {
    // Validate even after parse errors, so one run reports every problem in the file.
    result.config = detail::validate_config(*raw, problems);
  }
  if (!problems.empty()) result.config.reset();
  result.diagnostics = std::move(problems.diagnostics());
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.where.line, a.where.column) <
                            std::tie(b.where.line, b.where.column);
                   });
  return result;
}

LoadResult load_config_file(const std::string& path) {
  // A FIFO or /dev/zero is refused before any read, an oversized file by its size.
  auto text = read_regular_file(path, detail::kMaxConfigBytes);
  if (!text) {
    LoadResult result;
    result.diagnostics.push_back({{path, 0, 0}, "cannot read config: " + text.error().message});
    return result;
  }
  return load_config_text(*text, path);
}

}  // namespace dwae::config
