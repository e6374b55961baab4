// Names of enums and lookups on a validated Config.
#include "dwae/config/config.h"

namespace dwae::config {

std::string Diagnostic::format() const {
  return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
         message;
}

const char* to_string(ClassKind kind) {
  switch (kind) {
    case ClassKind::kLatencySensitive:
      return "latency-sensitive";
    case ClassKind::kThroughput:
      return "throughput";
    case ClassKind::kBestEffort:
      return "best-effort";
  }
  return "?";
}

const char* to_string(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kStatic:
      return "static";
    case PolicyKind::kRule:
      return "rule";
    case PolicyKind::kFeedback:
      return "feedback";
    case PolicyKind::kPpo:
      return "ppo";
  }
  return "?";
}

const WorkloadClass* Config::find_class(std::string_view name) const {
  for (const auto& c : classes) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace dwae::config
