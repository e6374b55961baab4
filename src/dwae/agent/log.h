// Structured log lines on stderr (journald adds its own timestamps; ours are for terminals and
// files): "2026-11-26T09:12:03.200Z level=warn msg=..." — one line per event.
#pragma once

#include <string>

namespace dwae::agent {

enum class LogLevel { kInfo, kWarn, kError };

void log_line(LogLevel level, const std::string& message);
inline void log_info(const std::string& m) {
  log_line(LogLevel::kInfo, m);
}
inline void log_warn(const std::string& m) {
  log_line(LogLevel::kWarn, m);
}
inline void log_error(const std::string& m) {
  log_line(LogLevel::kError, m);
}

}  // namespace dwae::agent
