// Log lines: one fprintf per line, so lines from two threads never interleave.
#include "dwae/agent/log.h"

#include <chrono>
#include <cstdio>

#include "dwae/agent/audit.h"

namespace dwae::agent {

void log_line(LogLevel level, const std::string& message) {
  const char* name =
      level == LogLevel::kInfo ? "info" : (level == LogLevel::kWarn ? "warn" : "error");
  std::fprintf(stderr, "%s level=%s msg=\"%s\"\n",
               format_wall_time(std::chrono::system_clock::now()).c_str(), name, message.c_str());
}

}  // namespace dwae::agent
