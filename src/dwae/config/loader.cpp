// Entry points of the config module: run both loading steps and hand back the Config or every
// diagnostic in file order.
#include "dwae/config/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <tuple>

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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    LoadResult result;
    result.diagnostics.push_back(
        {{path, 0, 0}, "cannot read config: " + std::string(std::strerror(err))});
    return result;
  }
  // Read at most one byte past the limit: enough for load_config_text to refuse an oversized
  // file, without ever reading an endless one (a FIFO, /dev/zero) to its end.
  std::string text(detail::kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    const int err = errno;
    LoadResult result;
    result.diagnostics.push_back(
        {{path, 0, 0}, "cannot read config: " + std::string(std::strerror(err))});
    return result;
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return load_config_text(text, path);
}

}  // namespace dwae::config
