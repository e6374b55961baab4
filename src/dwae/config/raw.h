// Internal to the config module: the raw IR that parse.cpp builds from YAML and validate.cpp
// checks. Values are typed (numbers, sizes, durations already converted) but not yet checked
// for range or consistency, and each one remembers where it was written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/config/config.h"

namespace dwae::config::detail {

// 1-based, as in Diagnostic; line 0 means "no position" (e.g. the file could not be read).
struct Pos {
  int line = 0;
  int column = 0;
};

// Collects diagnostics for one file.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}
  void add(Pos pos, std::string message) {
    diagnostics_.push_back({{file_, pos.line, pos.column}, std::move(message)});
  }
  bool empty() const { return diagnostics_.empty(); }
  const std::string& file() const { return file_; }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

// One optional key of a mapping. `present` is true when the key was written, even if its value
// was rejected by the parser (then `value` is empty and the problem is already reported), so
// validation can tell "missing" apart from "given but wrong" and not report twice.
template <typename T>
struct Field {
  bool present = false;
  std::optional<T> value;
  Pos key_pos;    // where the key is written
  Pos value_pos;  // where the value is written

  bool has() const { return value.has_value(); }
  const T& operator*() const { return *value; }
  const T* operator->() const { return &*value; }
};

template <typename T>
struct RawRange {
  Pos pos;
  Field<T> min;
  Field<T> max;
};

struct RawBounds {
  Pos pos;
  std::optional<RawRange<int64_t>> cpu_weight;
  std::optional<RawRange<double>> cpu_quota;
  std::optional<RawRange<uint64_t>> memory_low;
  std::optional<RawRange<uint64_t>> memory_high;
  std::optional<RawRange<int64_t>> io_weight;
  std::optional<RawRange<double>> net_share;
};

struct RawSettings {
  Pos pos;
  Field<int64_t> cpu_weight;
  Field<double> cpu_quota;
  Field<bool> cpu_idle;
  Field<uint64_t> memory_low;
  Field<uint64_t> memory_high;
  Field<int64_t> io_weight;
};

struct RawSla {
  Pos pos;
  Field<Nanos> p99_latency;
  Field<double> throughput_cv;
  Field<double> min_throughput;
};

struct RawClass {
  Pos pos;
  Field<std::string> name;
  Field<std::string> kind;
  Field<int64_t> priority;
  std::optional<RawSla> sla;
  std::optional<RawBounds> bounds;
  std::optional<RawSettings> defaults;
};

struct RawKubernetesMatch {
  Pos pos;
  Field<std::string> qos;
  Field<std::string> pod;
};

struct RawMatch {
  Pos pos;
  Field<std::string> cgroup;
  Field<std::string> systemd_unit;
  Field<std::string> libvirt_domain;
  Field<RawKubernetesMatch> kubernetes;
};

struct RawWorkload {
  Pos pos;
  Field<std::string> name;
  Field<std::string> class_name;
  Field<RawMatch> match;
  std::optional<RawSettings> settings;
};

struct RawAgent {
  Pos pos;
  Field<Nanos> period;
  Field<bool> dry_run;
  Field<std::vector<Field<std::string>>> cgroup_roots;
  Field<std::string> state_dir;
  Field<std::string> journal;
  Field<std::string> metrics_address;
  Field<double> hysteresis;
  Field<double> max_step;
};

struct RawPolicy {
  Pos pos;
  Field<std::string> name;
  Field<std::string> model;
};

struct RawConfig {
  Pos pos;
  RawAgent agent;
  RawPolicy policy;
  std::vector<RawClass> classes;
  std::vector<RawWorkload> workloads;
};

// Largest config text accepted, and deepest nesting of YAML collections accepted.
inline constexpr size_t kMaxConfigBytes = size_t{1024} * 1024;
inline constexpr int kMaxNestingDepth = 64;

// Step 1 (parse.cpp): YAML text -> raw IR. Reports syntax errors, wrong types, unknown and
// duplicate keys and bad units. Returns nullopt when the text is not a usable YAML mapping.
std::optional<RawConfig> parse_config(std::string_view text, Problems& problems);

// Step 2 (validate.cpp): raw IR -> Config. Reports ranges, missing keys, references and
// consistency. Returns nullopt when anything was reported (including by step 1).
std::optional<Config> validate_config(const RawConfig& raw, Problems& problems);

// "did you mean" helper shared by both steps: the closest candidate within a small edit
// distance, or empty.
std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates);
// " (did you mean 'X'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace dwae::config::detail
