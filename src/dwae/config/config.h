// The validated agent configuration: plain structs, produced by load_config() from YAML text.
// Loading is two steps (see loader.h): text -> raw IR with source positions, then validation.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dwae::config {

using Nanos = std::chrono::nanoseconds;

// 1-based line and column, as editors show them.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// One problem found in a config. format() gives "FILE:LINE:COL: message".
struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string format() const;
};

enum class ClassKind { kLatencySensitive, kThroughput, kBestEffort };
const char* to_string(ClassKind kind);  // "latency-sensitive", "throughput", "best-effort"

// A floor and a ceiling for one resource; validation guarantees min <= max.
struct Range {
  double min = 0;
  double max = 0;
};

// Floors and ceilings the agent never leaves, per resource. Units:
//  cpu_weight: cgroup v2 cpu.weight scale, 1..10000 (v1 shares are converted by the actuator)
//  cpu_quota_cores: CPUs worth of quota, > 0 (e.g. 0.5 = half a core)
//  memory_*_bytes: bytes
//  io_weight: 1..10000 (v2 io.weight scale)
//  net_share: fraction of link bandwidth, 0..1
struct ResourceBounds {
  std::optional<Range> cpu_weight;
  std::optional<Range> cpu_quota_cores;
  std::optional<Range> memory_low_bytes;
  std::optional<Range> memory_high_bytes;
  std::optional<Range> io_weight;
  std::optional<Range> net_share;
};

// Settings a workload starts from; the static policy applies exactly these.
struct StaticSettings {
  std::optional<uint32_t> cpu_weight;  // 1..10000
  std::optional<double> cpu_quota_cores;
  std::optional<bool> cpu_idle;
  std::optional<uint64_t> memory_low_bytes;
  std::optional<uint64_t> memory_high_bytes;
  std::optional<uint32_t> io_weight;  // 1..10000
};

struct SlaTargets {
  std::optional<Nanos> p99_latency;      // latency-sensitive classes
  std::optional<double> throughput_cv;   // throughput classes: max coefficient of variation
  std::optional<double> min_throughput;  // optional floor in the workload's own unit per second
};

struct WorkloadClass {
  std::string name;
  ClassKind kind = ClassKind::kBestEffort;
  int priority = 0;  // 0..100, higher wins contention between classes of the same kind
  SlaTargets sla;
  ResourceBounds bounds;
  StaticSettings defaults;
  SourceLocation where;
};

// How a workload rule finds cgroups. Exactly one kind per rule.
struct MatchRule {
  enum class Kind { kCgroup, kSystemdUnit, kLibvirtDomain, kKubernetes };
  Kind kind = Kind::kCgroup;
  // kCgroup: glob over hierarchy paths ("/system.slice/*.service", "**/dwae-test/ls").
  // kSystemdUnit: glob over unit names ("nginx.service", "redis*.service").
  // kLibvirtDomain: glob over domain (VM) names.
  // kKubernetes: glob over pod UIDs ("*" for all pods of the QoS class).
  std::string pattern;
  // kKubernetes only: "guaranteed", "burstable", "besteffort", or empty for any.
  std::string k8s_qos;
};

struct WorkloadRule {
  std::string name;
  std::string class_name;  // refers to a WorkloadClass by name
  MatchRule match;
  StaticSettings settings;  // overrides the class defaults field by field
  SourceLocation where;
};

enum class PolicyKind { kStatic, kRule, kFeedback, kPpo };
const char* to_string(PolicyKind kind);  // "static", "rule", "feedback", "ppo"

struct PolicyConfig {
  PolicyKind kind = PolicyKind::kFeedback;
  std::string model_path;      // required for kPpo; used as written (relative: to the cwd)
  SourceLocation model_where;  // where `model` is written, for a diagnostic about the file
};

// The bounds of agent.period (and of `dwae run --period`, which overrides it).
inline constexpr Nanos kMinAgentPeriod = std::chrono::milliseconds(50);
inline constexpr Nanos kMaxAgentPeriod = std::chrono::seconds(10);

struct AgentConfig {
  Nanos period = std::chrono::milliseconds(200);  // kMinAgentPeriod .. kMaxAgentPeriod
  bool dry_run = false;
  // Absolute directories under /sys/fs/cgroup; the agent writes nowhere else.
  std::vector<std::string> cgroup_roots{"/sys/fs/cgroup"};
  std::string state_dir = "/var/lib/dwae";
  std::string journal_path;  // empty: state_dir + "/journal.json" (agent::journal_path())
  std::string metrics_address = "127.0.0.1:9464";  // host:port; empty disables the endpoint
  double hysteresis = 0.02;  // relative changes smaller than this are skipped (0..1)
  double max_step = 0.25;    // largest relative change per tick per resource (0..10)
};

struct Config {
  AgentConfig agent;
  PolicyConfig policy;
  // Always holds the built-in classes "latency-sensitive", "throughput" and "best-effort"
  // (kinds of the same names) unless the file redefines a class of that name.
  std::vector<WorkloadClass> classes;
  std::vector<WorkloadRule> workloads;

  const WorkloadClass* find_class(std::string_view name) const;
};

}  // namespace dwae::config
