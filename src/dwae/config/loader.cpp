// Entry points of the config module: run both loading steps and hand back the Config or every
// diagnostic in file order.
#include "dwae/config/loader.h"

#include <algorithm>
#include <tuple>
#include <utility>

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
    // Built member by member: GCC 12 at -O3 warns (maybe-uninitialized, an error here) on the
    // nested braced temporary.
    Diagnostic d;
    d.where.file = path;
    d.message = "cannot read config: " + text.error().message;
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  return load_config_text(*text, path);
}

}  // namespace dwae::config
