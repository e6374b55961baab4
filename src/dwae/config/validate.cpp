// Step 2 of loading a config: raw IR -> validated Config. Checks what the YAML shape cannot:
// ranges, required keys, references between classes and workloads, and paths the agent may
// touch. Every problem is reported at the key or value that causes it.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "dwae/common/glob.h"
#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/config/raw.h"

namespace dwae::config::detail {
namespace {

constexpr std::string_view kCgroupMount = "/sys/fs/cgroup";
constexpr double kMaxWeight = 10000;
constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string size_text(uint64_t bytes) {
  return bytes == kUnlimited ? "max" : format_size(bytes);
}

// The built-in classes every config has unless it defines a class of the same name. Their SLA
// targets are the product's defaults (SPEC DEC-2).
std::vector<WorkloadClass> builtin_classes() {
  std::vector<WorkloadClass> classes(3);
  classes[0].name = "latency-sensitive";
  classes[0].kind = ClassKind::kLatencySensitive;
  classes[0].sla.p99_latency = std::chrono::milliseconds(20);
  classes[1].name = "throughput";
  classes[1].kind = ClassKind::kThroughput;
  classes[1].sla.throughput_cv = 0.15;
  classes[2].name = "best-effort";
  classes[2].kind = ClassKind::kBestEffort;
  return classes;
}

// Splits a path on '/', dropping empty components, so "/a//b/" and "/a/b" compare equal.
std::string normalise_path(std::string_view path) {
  std::string out;
  for (const auto part : split(path, '/')) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

bool has_dot_dot(std::string_view path) {
  const auto parts = split(path, '/');
  return std::find(parts.begin(), parts.end(), "..") != parts.end();
}

// "host:port" or "[v6-address]:port" with a port of 1..65535. Returns an error text or "".
std::string check_listen_address(std::string_view address) {
  std::string_view host;
  std::string_view port;
  if (starts_with(address, "[")) {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return "expected [ipv6-address]:port";
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return "expected host:port, e.g. 127.0.0.1:9464";
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return "an IPv6 host must be written in brackets, e.g. [::1]:9464";
    }
  }
  if (host.empty()) return "the host is empty (use 0.0.0.0 to listen on every address)";
  for (const char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
          c == ':')) {
      return "the host has an invalid character '" + std::string(1, c) + "'";
    }
  }
  const auto digits = std::all_of(port.begin(), port.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  const auto value = digits ? parse_int64(port) : std::nullopt;
  if (!value || *value < 1 || *value > 65535) {
    return "the port must be a number from 1 to 65535, not '" + std::string(port) + "'";
  }
  return "";
}

class Validator {
 public:
  explicit Validator(Problems& problems) : problems_(problems) {}

  Config run(const RawConfig& raw) {
    Config config;
    agent(raw.agent, config.agent);
    policy(raw.policy, config.policy);
    classes(raw.classes, config);
    workloads(raw.workloads, config);
    return config;
  }

 private:
  SourceLocation where(Pos pos) const { return {problems_.file(), pos.line, pos.column}; }

  // Reports a missing required key at the mapping that should hold it. True when the field
  // holds a usable value (a present but rejected value was reported by the parser already).
  template <typename T>
  bool require(const Field<T>& field, Pos owner, std::string_view owner_name,
               std::string_view key) {
    if (!field.present) {
      problems_.add(
          owner, std::string(owner_name) + " is missing required key '" + std::string(key) + "'");
    }
    return field.has();
  }

  // lo <= value <= hi, reported at the value. Negative values get their own wording because
  // "must not be negative" is what an operator needs to read.
  template <typename T>
  bool check_range(const Field<T>& field, std::string_view key, double lo, double hi) {
    if (!field.has()) return false;
    const auto v = static_cast<double>(*field);
    if (v >= lo && v <= hi) return true;
    if (v < 0 && lo >= 0) {
      problems_.add(field.value_pos,
                    "'" + std::string(key) + "' must not be negative (got " + number(v) + ")");
    } else {
      problems_.add(field.value_pos, "'" + std::string(key) + "' must be between " + number(lo) +
                                         " and " + number(hi) + " (got " + number(v) + ")");
    }
    return false;
  }

  bool check_positive(const Field<double>& field, std::string_view key) {
    if (!field.has()) return false;
    if (*field > 0) return true;
    const auto what = *field < 0 ? "must not be negative" : "must be greater than 0";
    problems_.add(field.value_pos,
                  "'" + std::string(key) + "' " + what + " (got " + number(*field) + ")");
    return false;
  }

  // An absolute path without '..'; reported at the value.
  bool check_absolute(const Field<std::string>& field, std::string_view key) {
    if (!field.has()) return false;
    if (!starts_with(*field, "/")) {
      problems_.add(field.value_pos,
                    "'" + std::string(key) + "' must be an absolute path, not '" + *field + "'");
      return false;
    }
    if (has_dot_dot(*field)) {
      problems_.add(field.value_pos,
                    "'" + std::string(key) + "' must not contain '..' ('" + *field + "')");
      return false;
    }
    return true;
  }

  void agent(const RawAgent& raw, AgentConfig& out) {
    if (raw.period.has()) {
      const auto period = *raw.period;
      if (period < kMinAgentPeriod || period > kMaxAgentPeriod) {
        problems_.add(raw.period.value_pos, "'period' must be between " +
                                                format_duration(kMinAgentPeriod) + " and " +
                                                format_duration(kMaxAgentPeriod) + " (got " +
                                                format_duration(period) + ")");
      } else {
        out.period = period;
      }
    }
    if (raw.dry_run.has()) out.dry_run = *raw.dry_run;
    if (raw.cgroup_roots.has()) cgroup_roots(raw.cgroup_roots, out);
    if (check_absolute(raw.state_dir, "state_dir")) out.state_dir = normalise_path(*raw.state_dir);
    // Without `journal`, the journal lives in the state directory, wherever that ends up
    // (`dwae run --state-dir` moves it): agent::journal_path() says where.
    if (check_absolute(raw.journal, "journal")) out.journal_path = *raw.journal;
    if (raw.metrics_address.has()) {
      const auto& address = *raw.metrics_address;
      const auto error = address.empty() ? std::string() : check_listen_address(address);
      if (error.empty()) {
        out.metrics_address = address;
      } else {
        problems_.add(raw.metrics_address.value_pos,
                      "bad 'metrics_address' '" + address + "': " + error);
      }
    }
    if (check_range(raw.hysteresis, "hysteresis", 0, 1)) out.hysteresis = *raw.hysteresis;
    if (check_positive(raw.max_step, "max_step") && check_range(raw.max_step, "max_step", 0, 10)) {
      out.max_step = *raw.max_step;
    }
  }

  void cgroup_roots(const Field<std::vector<Field<std::string>>>& raw, AgentConfig& out) {
    if (raw->empty()) {
      problems_.add(raw.value_pos, "'cgroup_roots' needs at least one directory");
      return;
    }
    out.cgroup_roots.clear();
    for (const auto& root : *raw) {
      if (!check_absolute(root, "cgroup_roots")) continue;
      const auto path = normalise_path(*root);
      if (path != kCgroupMount && !starts_with(path, std::string(kCgroupMount) + "/")) {
        problems_.add(root.value_pos, "cgroup root '" + *root +
                                          "' is outside /sys/fs/cgroup; the agent writes only "
                                          "below the cgroup mount");
        continue;
      }
      if (std::find(out.cgroup_roots.begin(), out.cgroup_roots.end(), path) !=
          out.cgroup_roots.end()) {
        problems_.add(root.value_pos, "cgroup root '" + *root + "' is listed twice");
        continue;
      }
      out.cgroup_roots.push_back(path);
    }
  }

  void policy(const RawPolicy& raw, PolicyConfig& out) {
    if (raw.name.has()) {
      static const std::vector<std::string_view> kNames{"static", "rule", "feedback", "ppo"};
      const auto& name = *raw.name;
      if (name == "static") {
        out.kind = PolicyKind::kStatic;
      } else if (name == "rule") {
        out.kind = PolicyKind::kRule;
      } else if (name == "feedback") {
        out.kind = PolicyKind::kFeedback;
      } else if (name == "ppo") {
        out.kind = PolicyKind::kPpo;
      } else {
        problems_.add(raw.name.value_pos, "unknown policy '" + name +
                                              "'; expected static, rule, feedback or ppo" +
                                              did_you_mean(name, kNames));
      }
    }
    if (raw.model.has()) {
      if (raw.model->empty()) {
        problems_.add(raw.model.value_pos, "'model' must not be empty");
      } else {
        out.model_path = *raw.model;
        out.model_where = where(raw.model.value_pos);
      }
    }
    if (out.kind == PolicyKind::kPpo && !raw.model.present) {
      problems_.add(raw.name.value_pos, "policy 'ppo' needs a 'model' file");
    }
  }

  std::optional<ClassKind> class_kind(const Field<std::string>& field) {
    const auto& kind = *field;
    if (kind == "latency-sensitive") return ClassKind::kLatencySensitive;
    if (kind == "throughput") return ClassKind::kThroughput;
    if (kind == "best-effort") return ClassKind::kBestEffort;
    static const std::vector<std::string_view> kKinds{"latency-sensitive", "throughput",
                                                      "best-effort"};
    problems_.add(field.value_pos, "unknown class kind '" + kind +
                                       "'; expected latency-sensitive, throughput or "
                                       "best-effort" +
                                       did_you_mean(kind, kKinds));
    return std::nullopt;
  }

  void classes(const std::vector<RawClass>& raw, Config& config) {
    std::vector<const RawClass*> defined;
    for (const auto& raw_class : raw) {
      WorkloadClass cls;
      cls.where = where(raw_class.pos);
      if (require(raw_class.name, raw_class.pos, "class", "name")) {
        cls.name = *raw_class.name;
        if (cls.name.empty()) {
          problems_.add(raw_class.name.value_pos, "class 'name' must not be empty");
        }
        const auto first = std::find_if(defined.begin(), defined.end(),
                                        [&](const RawClass* c) { return *c->name == cls.name; });
        if (first != defined.end()) {
          problems_.add(raw_class.name.value_pos,
                        "class '" + cls.name + "' is defined twice (first at line " +
                            std::to_string((*first)->name.value_pos.line) + ")");
        } else {
          defined.push_back(&raw_class);
        }
      }
      std::optional<ClassKind> kind;
      if (require(raw_class.kind, raw_class.pos, "class", "kind")) {
        kind = class_kind(raw_class.kind);
      }
      cls.kind = kind.value_or(ClassKind::kBestEffort);
      if (check_range(raw_class.priority, "priority", 0, 100)) {
        cls.priority = static_cast<int>(*raw_class.priority);
      }
      if (raw_class.sla) cls.sla = sla(*raw_class.sla, kind);
      if (kind == ClassKind::kLatencySensitive && !cls.sla.p99_latency) {
        cls.sla.p99_latency = std::chrono::milliseconds(20);
      }
      if (kind == ClassKind::kThroughput && !cls.sla.throughput_cv) cls.sla.throughput_cv = 0.15;
      if (raw_class.bounds) cls.bounds = bounds(*raw_class.bounds);
      if (raw_class.defaults) cls.defaults = settings(*raw_class.defaults, cls.bounds, "default");
      config.classes.push_back(std::move(cls));
    }
    for (auto& builtin : builtin_classes()) {
      if (config.find_class(builtin.name) == nullptr) config.classes.push_back(std::move(builtin));
    }
  }

  SlaTargets sla(const RawSla& raw, std::optional<ClassKind> kind) {
    SlaTargets out;
    if (raw.p99_latency.has()) {
      if (kind && kind != ClassKind::kLatencySensitive) {
        problems_.add(raw.p99_latency.key_pos,
                      "'p99_latency' applies to latency-sensitive classes, not " +
                          std::string(to_string(*kind)));
      } else if (raw.p99_latency->count() <= 0) {
        problems_.add(raw.p99_latency.value_pos, "'p99_latency' must be greater than 0");
      } else {
        out.p99_latency = *raw.p99_latency;
      }
    }
    if (raw.throughput_cv.has()) {
      if (kind && kind != ClassKind::kThroughput) {
        problems_.add(
            raw.throughput_cv.key_pos,
            "'throughput_cv' applies to throughput classes, not " + std::string(to_string(*kind)));
      } else if (check_positive(raw.throughput_cv, "throughput_cv") &&
                 check_range(raw.throughput_cv, "throughput_cv", 0, 1)) {
        out.throughput_cv = *raw.throughput_cv;
      }
    }
    if (check_range(raw.min_throughput, "min_throughput", 0, std::numeric_limits<double>::max())) {
      out.min_throughput = *raw.min_throughput;
    }
    return out;
  }

  // min and max are both required, each within [lo, hi], and min <= max.
  template <typename T>
  std::optional<Range> range(const std::optional<RawRange<T>>& raw, std::string_view key, double lo,
                             double hi, bool exclusive_lo = false) {
    if (!raw) return std::nullopt;
    const std::string name = "bounds." + std::string(key);
    const bool has_min = require(raw->min, raw->pos, name, "min");
    const bool has_max = require(raw->max, raw->pos, name, "max");
    bool ok = has_min && has_max;
    for (const auto* field : {&raw->min, &raw->max}) {
      if (!field->has()) continue;
      const std::string field_name = name + (field == &raw->min ? ".min" : ".max");
      if (exclusive_lo && static_cast<double>(**field) <= lo) {
        const auto what =
            static_cast<double>(**field) < 0 ? "must not be negative" : "must be greater than 0";
        problems_.add(field->value_pos, "'" + field_name + "' " + what + " (got " +
                                            number(static_cast<double>(**field)) + ")");
        ok = false;
      } else if (!check_range(*field, field_name, lo, hi)) {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    const auto min = static_cast<double>(*raw->min);
    const auto max = static_cast<double>(*raw->max);
    if (min > max) {
      problems_.add(raw->min.value_pos,
                    "'" + name + "': min " + show(*raw->min) + " is above max " + show(*raw->max));
      return std::nullopt;
    }
    return Range{min, max};
  }

  static std::string show(uint64_t bytes) { return size_text(bytes); }
  static std::string show(double v) { return number(v); }
  static std::string show(int64_t v) { return std::to_string(v); }
  // A bound (stored as double in Range) shown in the unit of the field of type T. Converting a
  // double back to an integer type is undefined when out of range, hence the checks.
  template <typename T>
  static std::string show_bound(double v) {
    if constexpr (std::is_same_v<T, uint64_t>) {
      return v >= static_cast<double>(kUnlimited) ? "max" : size_text(static_cast<uint64_t>(v));
    } else if constexpr (std::is_same_v<T, int64_t>) {
      return std::to_string(static_cast<int64_t>(v));
    } else {
      return number(v);
    }
  }

  ResourceBounds bounds(const RawBounds& raw) {
    ResourceBounds out;
    constexpr double kBytes = static_cast<double>(kUnlimited);
    out.cpu_weight = range(raw.cpu_weight, "cpu_weight", 1, kMaxWeight);
    out.cpu_quota_cores = range(raw.cpu_quota, "cpu_quota", 0, 1e6, /*exclusive_lo=*/true);
    out.memory_low_bytes = range(raw.memory_low, "memory_low", 0, kBytes);
    out.memory_high_bytes = range(raw.memory_high, "memory_high", 0, kBytes);
    out.io_weight = range(raw.io_weight, "io_weight", 1, kMaxWeight);
    out.net_share = range(raw.net_share, "net_share", 0, 1);
    return out;
  }

  // A setting must also lie inside the class bounds for its resource, when there are any.
  template <typename T>
  bool inside(const Field<T>& field, const std::optional<Range>& bound, std::string_view key,
              std::string_view role) {
    if (!bound) return true;
    const auto v = static_cast<double>(*field);
    if (v >= bound->min && v <= bound->max) return true;
    problems_.add(field.value_pos, std::string(role) + " '" + std::string(key) + "' " +
                                       show(*field) + " is outside the class bounds " +
                                       show_bound<T>(bound->min) + ".." +
                                       show_bound<T>(bound->max));
    return false;
  }

  // Class defaults ("default") and workload overrides ("setting"): ranges, then class bounds.
  StaticSettings settings(const RawSettings& raw, const ResourceBounds& bounds,
                          std::string_view role) {
    StaticSettings out;
    if (check_range(raw.cpu_weight, "cpu_weight", 1, kMaxWeight) &&
        inside(raw.cpu_weight, bounds.cpu_weight, "cpu_weight", role)) {
      out.cpu_weight = static_cast<uint32_t>(*raw.cpu_weight);
    }
    if (check_positive(raw.cpu_quota, "cpu_quota") &&
        inside(raw.cpu_quota, bounds.cpu_quota_cores, "cpu_quota", role)) {
      out.cpu_quota_cores = *raw.cpu_quota;
    }
    if (raw.cpu_idle.has()) out.cpu_idle = *raw.cpu_idle;
    if (raw.memory_low.has() &&
        inside(raw.memory_low, bounds.memory_low_bytes, "memory_low", role)) {
      out.memory_low_bytes = *raw.memory_low;
    }
    if (raw.memory_high.has() &&
        inside(raw.memory_high, bounds.memory_high_bytes, "memory_high", role)) {
      out.memory_high_bytes = *raw.memory_high;
    }
    if (out.memory_low_bytes && out.memory_high_bytes &&
        *out.memory_low_bytes > *out.memory_high_bytes) {
      problems_.add(raw.memory_low.value_pos, "'memory_low' " + size_text(*out.memory_low_bytes) +
                                                  " is above 'memory_high' " +
                                                  size_text(*out.memory_high_bytes));
    }
    if (check_range(raw.io_weight, "io_weight", 1, kMaxWeight) &&
        inside(raw.io_weight, bounds.io_weight, "io_weight", role)) {
      out.io_weight = static_cast<uint32_t>(*raw.io_weight);
    }
    return out;
  }

  void workloads(const std::vector<RawWorkload>& raw, Config& config) {
    std::vector<std::string_view> class_names;
    for (const auto& cls : config.classes) class_names.push_back(cls.name);
    std::vector<const RawWorkload*> named;
    for (const auto& raw_rule : raw) {
      WorkloadRule rule;
      rule.where = where(raw_rule.pos);
      if (require(raw_rule.name, raw_rule.pos, "workload", "name")) {
        rule.name = *raw_rule.name;
        if (rule.name.empty()) {
          problems_.add(raw_rule.name.value_pos, "workload 'name' must not be empty");
        }
        const auto first = std::find_if(named.begin(), named.end(), [&](const RawWorkload* w) {
          return *w->name == rule.name;
        });
        if (first != named.end()) {
          problems_.add(raw_rule.name.value_pos,
                        "workload '" + rule.name + "' is defined twice (first at line " +
                            std::to_string((*first)->name.value_pos.line) + ")");
        } else {
          named.push_back(&raw_rule);
        }
      }
      const WorkloadClass* cls = nullptr;
      if (require(raw_rule.class_name, raw_rule.pos, "workload", "class")) {
        rule.class_name = *raw_rule.class_name;
        cls = config.find_class(rule.class_name);
        if (cls == nullptr) {
          problems_.add(raw_rule.class_name.value_pos,
                        "unknown class '" + rule.class_name + "'" +
                            did_you_mean(rule.class_name, class_names));
        }
      }
      if (require(raw_rule.match, raw_rule.pos, "workload", "match")) {
        rule.match = match(*raw_rule.match);
      }
      if (raw_rule.settings) {
        rule.settings =
            settings(*raw_rule.settings, cls ? cls->bounds : ResourceBounds{}, "setting");
      }
      config.workloads.push_back(std::move(rule));
    }
  }

  // A glob that compiles, reported at the value otherwise.
  std::string glob(const Field<std::string>& field, std::string_view key) {
    if (!field.has()) return {};
    auto compiled = Glob::compile(*field);
    if (!compiled.ok()) {
      problems_.add(field.value_pos, "bad glob '" + *field + "' in '" + std::string(key) +
                                         "': " + compiled.error().message);
      return {};
    }
    return *field;
  }

  MatchRule match(const RawMatch& raw) {
    MatchRule out;
    std::vector<std::pair<std::string_view, Pos>> matchers;
    if (raw.cgroup.present) matchers.emplace_back("cgroup", raw.cgroup.key_pos);
    if (raw.systemd_unit.present) matchers.emplace_back("systemd_unit", raw.systemd_unit.key_pos);
    if (raw.libvirt_domain.present) {
      matchers.emplace_back("libvirt_domain", raw.libvirt_domain.key_pos);
    }
    if (raw.kubernetes.present) matchers.emplace_back("kubernetes", raw.kubernetes.key_pos);
    if (matchers.empty()) {
      problems_.add(raw.pos,
                    "'match' needs exactly one of cgroup, systemd_unit, libvirt_domain or "
                    "kubernetes");
      return out;
    }
    if (matchers.size() > 1) {
      // Keys are reported in file order, so the second one is the surplus.
      std::sort(matchers.begin(), matchers.end(), [](const auto& a, const auto& b) {
        return std::pair(a.second.line, a.second.column) <
               std::pair(b.second.line, b.second.column);
      });
      problems_.add(matchers[1].second, "'match' has both '" + std::string(matchers[0].first) +
                                            "' and '" + std::string(matchers[1].first) +
                                            "'; a workload matches by exactly one of them");
      return out;
    }
    if (raw.cgroup.present) {
      out.kind = MatchRule::Kind::kCgroup;
      out.pattern = glob(raw.cgroup, "cgroup");
    } else if (raw.systemd_unit.present) {
      out.kind = MatchRule::Kind::kSystemdUnit;
      out.pattern = glob(raw.systemd_unit, "systemd_unit");
    } else if (raw.libvirt_domain.present) {
      out.kind = MatchRule::Kind::kLibvirtDomain;
      out.pattern = glob(raw.libvirt_domain, "libvirt_domain");
    } else if (raw.kubernetes.has()) {
      out.kind = MatchRule::Kind::kKubernetes;
      const auto& k8s = *raw.kubernetes;
      out.pattern = k8s.pod.present ? glob(k8s.pod, "pod") : "*";
      if (k8s.qos.has()) out.k8s_qos = qos(k8s.qos);
    }
    return out;
  }

  // Kubernetes spells QoS classes "Guaranteed", "Burstable", "BestEffort"; any case is accepted.
  std::string qos(const Field<std::string>& field) {
    std::string lower = *field;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static const std::vector<std::string_view> kClasses{"guaranteed", "burstable", "besteffort"};
    if (std::find(kClasses.begin(), kClasses.end(), lower) != kClasses.end()) return lower;
    problems_.add(field.value_pos, "unknown kubernetes qos '" + *field +
                                       "'; expected guaranteed, burstable or besteffort" +
                                       did_you_mean(lower, kClasses));
    return {};
  }

  Problems& problems_;
};

}  // namespace

std::optional<Config> validate_config(const RawConfig& raw, Problems& problems) {
  Config config = Validator(problems).run(raw);
  if (!problems.empty()) return std::nullopt;
  return config;
}

}  // namespace dwae::config::detail
