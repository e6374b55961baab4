// Typed, position-aware reads from a YAML mapping for the scenario loader: each read checks the
// type, unit and range and reports FILE:LINE:COL problems; check_keys() reports unknown keys
// with a "did you mean" suggestion.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/config/config.h"

namespace dwae::sim {

class YamlFields {
 public:
  explicit YamlFields(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Node& at, std::string message);
  void error_at(int line, int column, std::string message);
  std::vector<config::Diagnostic>& diagnostics() { return diagnostics_; }
  const std::string& file() const { return file_; }

  // False (and reported) unless `node` is a mapping.
  bool expect_map(const YAML::Node& node, std::string_view what);
  // Reports keys not in `known` and keys written twice (yaml-cpp keeps both; a lookup would
  // silently take the first).
  void check_keys(const YAML::Node& map, const std::vector<std::string_view>& known,
                  std::string_view where);

  // Each reads map[key] if present, leaves `out` alone if absent, and reports a bad value.
  // Strings must be UTF-8: they end up in JSON reports.
  void get(const YAML::Node& map, const char* key, std::string& out);
  void get(const YAML::Node& map, const char* key, bool& out);
  void get(const YAML::Node& map, const char* key, double& out, double min, double max);
  void get(const YAML::Node& map, const char* key, uint32_t& out, uint32_t min, uint32_t max);
  void get(const YAML::Node& map, const char* key, uint64_t& out, uint64_t min, uint64_t max);
  void get_duration(const YAML::Node& map, const char* key, std::chrono::nanoseconds& out,
                    std::chrono::nanoseconds min = std::chrono::nanoseconds{0},
                    std::chrono::nanoseconds max = std::chrono::nanoseconds::max());
  void get_size(const YAML::Node& map, const char* key, uint64_t& out);
  // A CPU or node list as cpuset files write it: "0-3,8,10-11". Every id must be below `count`
  // (the host's CPUs or nodes, named by `unit`: "CPU", "node"); repeats count once, as in the
  // kernel, and the result is sorted.
  void get_list(const YAML::Node& map, const char* key, std::optional<std::vector<uint32_t>>& out,
                uint32_t count, std::string_view unit);
  // One of `choices`; returns the index or nullopt.
  std::optional<size_t> get_choice(const YAML::Node& map, const char* key,
                                   const std::vector<std::string_view>& choices);

 private:
  std::string file_;
  std::vector<config::Diagnostic> diagnostics_;
  // A mapping reached through several aliases is checked each time; it is reported once.
  std::set<std::string> reported_;
};

std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace dwae::sim
