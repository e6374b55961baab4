// Scenario YAML -> Scenario. Shape, types, units and ranges are checked field by field (every
// problem reported, not only the first); then references (class names, NUMA nodes, CPUs) are
// checked against the host.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "dwae/common/file.h"
#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/yaml_fields.h"

namespace dwae::sim {

const char* to_string(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kService:
      return "service";
    case WorkloadKind::kBatch:
      return "batch";
    case WorkloadKind::kManaged:
      return "managed";
    case WorkloadKind::kLogWriter:
      return "log-writer";
    case WorkloadKind::kObjectReader:
      return "object-reader";
    case WorkloadKind::kMetadata:
      return "metadata";
    case WorkloadKind::kVideo:
      return "video";
    case WorkloadKind::kNoisy:
      return "noisy";
  }
  return "service";
}

namespace {

constexpr uint64_t kMaxSize = uint64_t{1} << 50;  // 1 PiB: far above any host we simulate
// Far above any real scenario; keeps hostile input away from the YAML parser's recursion.
constexpr size_t kMaxScenarioBytes = size_t{4} << 20;
// Every request is an event: at 1e6 requests per second a simulated second costs about a
// second and the queues stay within memory; far above it, runs take hours and gigabytes.
constexpr double kMaxRequestsPerSecond = 1e6;
constexpr uint64_t kMinHostMemory = uint64_t{64} << 20;
// Merge keys: how deep merged mappings may merge in turn, and how many mappings a file may
// merge in all (a few aliases can otherwise ask for exponentially many).
constexpr size_t kMaxMergeDepth = 32;
constexpr size_t kMaxMerges = 10'000;

const std::vector<std::string_view> kTopKeys = {"name", "description", "duration",
                                                "seed", "quantum",     "control_period",
                                                "host", "classes",     "workloads"};
const std::vector<std::string_view> kHostKeys = {"cores",
                                                 "smt",
                                                 "numa_nodes",
                                                 "memory",
                                                 "smt_yield",
                                                 "llc_per_domain",
                                                 "sched_slice",
                                                 "disk",
                                                 "network",
                                                 "local_memory_latency",
                                                 "remote_memory_latency"};
const std::vector<std::string_view> kDiskKeys = {"random_iops", "bandwidth", "random_penalty",
                                                 "metadata_cost", "base_latency"};
const std::vector<std::string_view> kLinkKeys = {"bandwidth", "queue_packets", "mtu"};
const std::vector<std::string_view> kClassKeys = {"name", "kind", "priority", "p99",
                                                  "throughput_cv"};
const std::vector<std::string_view> kClassKinds = {"latency-sensitive", "throughput",
                                                   "best-effort"};
const std::vector<std::string_view> kWorkloadKeys = {
    "<<",      "name", "class",   "kind",   "numa_node", "vcpus", "threads", "arrivals",
    "service", "io",   "network", "memory", "gc",        "video", "burst",   "settings"};
const std::vector<std::string_view> kWorkloadKinds = {
    "service", "batch", "managed", "log-writer", "object-reader", "metadata", "video", "noisy"};
const std::vector<std::string_view> kArrivalKeys = {"process", "rate",      "off_rate", "on",
                                                    "off",     "amplitude", "period"};
const std::vector<std::string_view> kProcesses = {"poisson", "onoff", "diurnal", "periodic"};
const std::vector<std::string_view> kServiceKeys = {"distribution", "mean", "cv"};
const std::vector<std::string_view> kDistributions = {"exponential", "constant", "lognormal"};
const std::vector<std::string_view> kIoKeys = {"pattern", "rate", "op_size", "ops_per_request"};
const std::vector<std::string_view> kPatterns = {"seq-read", "seq-write", "rand-read", "rand-write",
                                                 "metadata"};
const std::vector<std::string_view> kNetKeys = {"rate", "bytes_per_request", "reliable"};
const std::vector<std::string_view> kMemoryKeys = {"working_set", "leak_rate", "memory_bound",
                                                   "llc_footprint", "llc_sensitivity"};
const std::vector<std::string_view> kGcKeys = {"heap", "live", "alloc_per_request", "collect_rate"};
const std::vector<std::string_view> kVideoKeys = {"streams", "fps", "deadline", "frame_size"};
const std::vector<std::string_view> kBurstKeys = {"on", "off"};
const std::vector<std::string_view> kSettingsKeys = {
    "cpu_weight", "cpu_quota", "cpu_period",  "cpu_burst",  "cpu_idle",
    "cpuset",     "mems",      "memory_min",  "memory_low", "memory_high",
    "memory_max", "io_weight", "io_max_iops", "io_max_bps", "net_share"};

// True when map[key] is written but was not taken (reported already: not a string, not UTF-8),
// so "needs a KEY" would only repeat it.
bool refused(const YAML::Node& map, const char* key) {
  const YAML::Node n = map[key];
  return n && (!n.IsScalar() || !n.Scalar().empty());
}

class Loader {
 public:
  // `host` is the scenario's host: host() fills it before workloads' CPU and node lists are
  // checked against it.
  Loader(YamlFields& f, const HostSpec& host) : f_(f), host_(host) {}

  // Each workload's mapping as load.workload() read it (merge keys expanded); a null node for
  // an entry that is not a mapping.
  const std::vector<YAML::Node>& workload_nodes() const { return workload_nodes_; }

  void host(const YAML::Node& n, HostSpec& h) {
    if (!f_.expect_map(n, "host")) return;
    f_.check_keys(n, kHostKeys, "host");
    f_.get(n, "cores", h.cores, 1, 4096);
    f_.get(n, "smt", h.smt, 1, 8);
    f_.get(n, "numa_nodes", h.numa_nodes, 1, 64);
    f_.get_size(n, "memory", h.memory_bytes);
    if (h.memory_bytes < kMinHostMemory || h.memory_bytes > kMaxSize) {
      f_.error(n["memory"], "memory must be between 64MiB and 1PiB");
    }
    f_.get(n, "smt_yield", h.smt_yield, 0, 1);
    f_.get_size(n, "llc_per_domain", h.llc_bytes_per_domain);
    // The CPU model divides by the slice; below 100us it would switch tasks faster than the
    // kernel's minimum granularity allows.
    f_.get_duration(n, "sched_slice", h.sched_slice, Nanos{100'000});
    f_.get_duration(n, "local_memory_latency", h.local_memory_latency, Nanos{1});
    f_.get_duration(n, "remote_memory_latency", h.remote_memory_latency, Nanos{1});
    if (h.remote_memory_latency < h.local_memory_latency) {
      f_.error(n["remote_memory_latency"] ? n["remote_memory_latency"] : n["local_memory_latency"],
               "remote_memory_latency " + format_duration(h.remote_memory_latency) +
                   " is below local_memory_latency " + format_duration(h.local_memory_latency));
    }
    if (h.numa_nodes > h.cores) f_.error(n["numa_nodes"], "numa_nodes exceeds cores");
    if (const auto d = n["disk"]) {
      if (f_.expect_map(d, "disk")) {
        f_.check_keys(d, kDiskKeys, "disk");
        f_.get(d, "random_iops", h.disk.random_iops, 1, 1e9);
        bandwidth(d, h.disk.bandwidth_bps);
        f_.get(d, "random_penalty", h.disk.random_penalty, 1, 1000);
        f_.get(d, "metadata_cost", h.disk.metadata_cost, 0.01, 1000);
        f_.get_duration(d, "base_latency", h.disk.base_latency);
      }
    }
    if (const auto l = n["network"]) {
      if (f_.expect_map(l, "network")) {
        f_.check_keys(l, kLinkKeys, "network");
        bandwidth(l, h.link.bandwidth_bps);
        f_.get(l, "queue_packets", h.link.queue_packets, 1, 1'000'000'000);
        f_.get(l, "mtu", h.link.mtu_bytes, 64, 65536);
      }
    }
  }

  // A disk's or link's bandwidth: a size per second, more than 0.
  void bandwidth(const YAML::Node& n, double& out_bps) {
    uint64_t bw = 1;
    f_.get_size(n, "bandwidth", bw);
    if (bw == 0) {
      f_.error(n["bandwidth"], "bandwidth must be more than 0");
    } else if (n["bandwidth"]) {
      out_bps = static_cast<double>(bw);
    }
  }

  void klass(const YAML::Node& n, ClassSpec& c) {
    if (!f_.expect_map(n, "a class")) return;
    f_.check_keys(n, kClassKeys, "class");
    c.where = where(n);
    f_.get(n, "name", c.name);
    if (c.name.empty() && !refused(n, "name")) f_.error(n, "class needs a name");
    if (const auto k = f_.get_choice(n, "kind", kClassKinds)) {
      c.kind = static_cast<WorkloadClassKind>(*k);
    }
    uint32_t priority = 0;
    f_.get(n, "priority", priority, 0, 100);
    c.priority = static_cast<int>(priority);
    if (n["p99"]) {
      Nanos p99{0};
      f_.get_duration(n, "p99", p99, Nanos{1});
      if (p99.count() > 0) c.p99_target = p99;
    }
    if (n["throughput_cv"]) {
      double cv = 0;
      f_.get(n, "throughput_cv", cv, 0, 10);
      c.throughput_cv_target = cv;
    }
  }

  void workload(const YAML::Node& raw, WorkloadSpec& w) {
    if (!f_.expect_map(raw, "a workload")) {
      workload_nodes_.emplace_back();
      return;
    }
    // Problems about the workload as a whole point at where it is written; a merged node
    // ("<<: *anchor") has no position of its own.
    f_.check_keys(raw, kWorkloadKeys, "workload");
    const YAML::Node n = expand_merge(raw, kWorkloadKeys, "workload");
    workload_nodes_.push_back(n);
    w.where = where(raw);
    f_.get(n, "name", w.name);
    if (w.name.empty() && !refused(n, "name")) f_.error(raw, "workload needs a name");
    f_.get(n, "class", w.class_name);
    if (w.class_name.empty() && !refused(n, "class")) {
      f_.error(raw, "workload '" + w.name + "' needs a class");
    }
    // What a workload needs depends on its kind: with no valid kind, those checks would only
    // add noise to the error about the kind.
    const auto kind = f_.get_choice(n, "kind", kWorkloadKinds);
    bool rate_reported = false;  // arrivals.rate was given but refused
    if (kind) {
      w.kind = static_cast<WorkloadKind>(*kind);
    } else if (!n["kind"]) {
      f_.error(raw, "workload '" + w.name + "' needs a kind");
    }
    f_.get(n, "numa_node", w.numa_node, 0, 63);
    f_.get(n, "vcpus", w.vcpus, 0, 4096);
    f_.get(n, "threads", w.threads, 1, 4096);
    if (const auto a = n["arrivals"]; a && f_.expect_map(a, "arrivals")) {
      f_.check_keys(a, kArrivalKeys, "arrivals");
      if (const auto k = f_.get_choice(a, "process", kProcesses)) {
        w.arrivals.kind = static_cast<ArrivalKind>(*k);
      }
      rate_reported = !request_rate(a, "rate", w.arrivals.rate);
      request_rate(a, "off_rate", w.arrivals.off_rate);
      f_.get_duration(a, "on", w.arrivals.on, Nanos{1000});
      f_.get_duration(a, "off", w.arrivals.off, Nanos{1000});
      f_.get(a, "amplitude", w.arrivals.amplitude, 0, 1);
      f_.get_duration(a, "period", w.arrivals.period, Nanos{1'000'000});
    }
    if (const auto s = n["service"]; s && f_.expect_map(s, "service")) {
      f_.check_keys(s, kServiceKeys, "service");
      if (const auto k = f_.get_choice(s, "distribution", kDistributions)) {
        w.service.kind = static_cast<ServiceDistKind>(*k);
      }
      f_.get_duration(s, "mean", w.service.mean, Nanos{1});
      f_.get(s, "cv", w.service.cv, 0.01, 100);
    }
    if (const auto io = n["io"]; io && f_.expect_map(io, "io")) {
      f_.check_keys(io, kIoKeys, "io");
      if (const auto k = f_.get_choice(io, "pattern", kPatterns)) {
        w.io.pattern = static_cast<IoPattern>(*k);
      }
      uint64_t rate = 0;
      f_.get_size(io, "rate", rate);
      w.io.bytes_per_second = static_cast<double>(rate);
      f_.get_size(io, "op_size", w.io.op_bytes);
      if (w.io.op_bytes == 0 || w.io.op_bytes > kMaxSize)
        f_.error(io["op_size"], "op_size must be > 0");
      f_.get(io, "ops_per_request", w.io.ops_per_request, 0, 1e6);
    }
    if (const auto net = n["network"]; net && f_.expect_map(net, "network")) {
      f_.check_keys(net, kNetKeys, "network");
      uint64_t rate = 0;
      f_.get_size(net, "rate", rate);
      w.net.bytes_per_second = static_cast<double>(rate);
      f_.get_size(net, "bytes_per_request", w.net.bytes_per_request);
      f_.get(net, "reliable", w.net.reliable);
    }
    if (const auto m = n["memory"]; m && f_.expect_map(m, "memory")) {
      f_.check_keys(m, kMemoryKeys, "memory");
      f_.get_size(m, "working_set", w.memory.working_set_bytes);
      uint64_t leak = 0;
      f_.get_size(m, "leak_rate", leak);
      w.memory.leak_bytes_per_second = static_cast<double>(leak);
      f_.get(m, "memory_bound", w.memory.memory_bound, 0, 1);
      f_.get_size(m, "llc_footprint", w.memory.llc_footprint_bytes);
      f_.get(m, "llc_sensitivity", w.memory.llc_sensitivity, 0, 10);
    }
    if (const auto g = n["gc"]; g && f_.expect_map(g, "gc")) {
      f_.check_keys(g, kGcKeys, "gc");
      f_.get_size(g, "heap", w.gc.heap_bytes);
      f_.get_size(g, "live", w.gc.live_bytes);
      f_.get_size(g, "alloc_per_request", w.gc.alloc_bytes_per_request);
      uint64_t rate = static_cast<uint64_t>(w.gc.collect_bytes_per_second);
      f_.get_size(g, "collect_rate", rate);
      w.gc.collect_bytes_per_second = static_cast<double>(std::max<uint64_t>(rate, 1));
      if (w.gc.live_bytes >= w.gc.heap_bytes && w.gc.heap_bytes > 0) {
        f_.error(g["live"] ? g["live"] : g, "gc live must be smaller than heap");
      }
    }
    if (const auto v = n["video"]; v && f_.expect_map(v, "video")) {
      f_.check_keys(v, kVideoKeys, "video");
      f_.get(v, "streams", w.video.streams, 1, 100'000'000);
      f_.get(v, "fps", w.video.fps, 0.1, 1000);
      f_.get_duration(v, "deadline", w.video.deadline, Nanos{1});
      f_.get_size(v, "frame_size", w.video.frame_bytes);
    }
    if (const auto b = n["burst"]; b && f_.expect_map(b, "burst")) {
      f_.check_keys(b, kBurstKeys, "burst");
      f_.get_duration(b, "on", w.burst.on, Nanos{1000});
      f_.get_duration(b, "off", w.burst.off, Nanos{1000});
    }
    if (const auto s = n["settings"]; s && f_.expect_map(s, "settings")) settings(s, w.settings);
    if (!kind) return;
    if (w.kind == WorkloadKind::kVideo) {
      // A video workload's requests are frames: streams x fps, each with a deadline.
      if (w.video.streams == 0)
        f_.error(raw, "video workload '" + w.name + "' needs video.streams");
      if (n["arrivals"]) {
        f_.error(n["arrivals"], "video workload '" + w.name +
                                    "' takes its frame rate from video.streams x video.fps; "
                                    "remove arrivals");
      }
      w.arrivals = ArrivalSpec{};
      w.arrivals.rate = w.video.streams * w.video.fps;
      if (w.arrivals.rate > kMaxRequestsPerSecond) {
        f_.error(n["video"] ? n["video"] : raw,
                 "video workload '" + w.name + "': streams x fps is " +
                     std::to_string(static_cast<uint64_t>(w.arrivals.rate)) +
                     " frames/s, above the simulator's limit of 1000000 per workload");
      }
      w.net.bytes_per_request = w.video.frame_bytes;
      const YAML::Node net = n["network"];
      if (!net || !net.IsMap() || !net["reliable"]) w.net.reliable = false;
    }
    const bool request_driven = w.kind == WorkloadKind::kService ||
                                w.kind == WorkloadKind::kManaged ||
                                w.kind == WorkloadKind::kMetadata;
    if (request_driven && w.arrivals.rate <= 0 && !rate_reported) {
      f_.error(n["arrivals"] ? n["arrivals"] : raw,
               "workload '" + w.name + "' serves requests and needs arrivals.rate > 0");
    }
    if (w.kind == WorkloadKind::kManaged && w.gc.heap_bytes == 0) {
      f_.error(raw, "managed workload '" + w.name + "' needs gc.heap");
    }
    if (w.kind == WorkloadKind::kMetadata && !n["io"]) {
      w.io.pattern = IoPattern::kMetadata;
      w.io.ops_per_request = 2;
    }
  }

  void settings(const YAML::Node& s, ResourceTargets& t) {
    f_.check_keys(s, kSettingsKeys, "settings");
    if (s["cpu_weight"]) {
      uint32_t v = 100;
      f_.get(s, "cpu_weight", v, 1, 10000);
      t.cpu_weight = v;
    }
    // cpu.max as the kernel bounds it: a period of 1ms..1s, a quota of at least 1ms.
    Nanos period{100'000'000};
    f_.get_duration(s, "cpu_period", period, Nanos{1'000'000}, Nanos{1'000'000'000});
    if (s["cpu_quota"]) {
      // Written in cores ("1.5" = one and a half CPUs), as config classes write it.
      double cores = 1;
      f_.get(s, "cpu_quota", cores, 0.01, 4096);
      t.cpu_period_us = static_cast<uint64_t>(period.count() / 1000);
      t.cpu_quota_us = static_cast<uint64_t>(cores * static_cast<double>(*t.cpu_period_us));
      if (*t.cpu_quota_us < 1000) {
        f_.error(s["cpu_quota"], "cpu_quota " + s["cpu_quota"].Scalar() + " of a " +
                                     format_duration(period) + " cpu_period is " +
                                     std::to_string(*t.cpu_quota_us) +
                                     "us, below the kernel's 1ms minimum quota");
      }
    } else if (s["cpu_period"]) {
      t.cpu_period_us = static_cast<uint64_t>(period.count() / 1000);
    }
    if (s["cpu_burst"]) {
      Nanos burst{0};
      f_.get_duration(s, "cpu_burst", burst);
      t.cpu_burst_us = static_cast<uint64_t>(burst.count() / 1000);
      // The kernel refuses cpu.max.burst above the quota (EINVAL).
      if (t.cpu_quota_us && *t.cpu_burst_us > *t.cpu_quota_us) {
        f_.error(s["cpu_burst"], "cpu_burst " + s["cpu_burst"].Scalar() + " is above the " +
                                     format_duration(Nanos{*t.cpu_quota_us * 1000}) +
                                     " quota (cpu_quota x cpu_period); the kernel refuses a "
                                     "burst above the quota");
      }
    }
    if (s["cpu_idle"]) {
      bool idle = false;
      f_.get(s, "cpu_idle", idle);
      t.cpu_idle = idle;
    }
    f_.get_list(s, "cpuset", t.cpuset_cpus, host_.logical_cpus(), "CPU");
    f_.get_list(s, "mems", t.cpuset_mems, host_.numa_nodes, "node");
    auto size = [&](const char* key, std::optional<uint64_t>& out) {
      if (!s[key]) return;
      uint64_t v = 0;
      f_.get_size(s, key, v);
      out = v;
    };
    size("memory_min", t.memory_min_bytes);
    size("memory_low", t.memory_low_bytes);
    size("memory_high", t.memory_high_bytes);
    size("memory_max", t.memory_max_bytes);
    if (s["io_weight"]) {
      uint32_t v = 100;
      f_.get(s, "io_weight", v, 1, 10000);
      t.io_weight = v;
    }
    if (s["io_max_iops"] || s["io_max_bps"]) {
      IoDeviceLimit limit;
      limit.major = 8;  // the simulated disk is /dev/sda
      uint64_t iops = kNoLimit, bps = kNoLimit;
      f_.get(s, "io_max_iops", iops, 1, kNoLimit);
      f_.get_size(s, "io_max_bps", bps);
      // The kernel refuses a limit of 0 in io.max (ERANGE); no limit is the key left out.
      if (s["io_max_bps"] && bps == 0) f_.error(s["io_max_bps"], "io_max_bps must be more than 0");
      limit.riops = limit.wiops = iops;
      limit.rbps = limit.wbps = bps;
      t.io_limits = std::vector<IoDeviceLimit>{limit};
    }
    if (s["net_share"]) {
      double share = 0;
      f_.get(s, "net_share", share, 0, 1);
      t.net_share = share;
    }
  }

  config::SourceLocation where(const YAML::Node& n) const {
    const auto m = n.Mark();
    return {f_.file(), m.is_null() ? 1 : m.line + 1, m.is_null() ? 1 : m.column + 1};
  }

  // YAML merge keys ("<<: *anchor", "<<: [*a, *b]"), which yaml-cpp 0.7 leaves as a plain key.
  // As the merge-key spec has it, the mapping's own keys win over merged ones and an earlier
  // merged mapping wins over a later one; merged mappings may merge in turn. A merged mapping's
  // keys are checked as the mapping's own are; a mapping that merges itself is an error.
  YAML::Node expand_merge(const YAML::Node& map, const std::vector<std::string_view>& known,
                          std::string_view what) {
    if (!map.IsMap() || !map["<<"]) return map;
    Merge m;
    merge_into(map, known, what, m);
    return m.out;
  }

 private:
  struct Merge {
    YAML::Node out{YAML::NodeType::Map};
    std::set<std::string> keys;  // keys already in `out`
    std::set<int> done;          // mappings (by position) already merged
    std::vector<int> path;       // the mappings being expanded, outermost first
  };

  void merge_into(const YAML::Node& map, const std::vector<std::string_view>& known,
                  std::string_view what, Merge& m) {
    std::optional<std::pair<YAML::Node, YAML::Node>> merge;  // the "<<" key and its value
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (key == "<<") {
        if (!merge) merge.emplace(kv.first, kv.second);
      } else if (m.keys.insert(key).second) {
        m.out[key] = kv.second;
      }
    }
    if (!merge) return;
    const auto& [key, value] = *merge;
    std::vector<YAML::Node> sources;
    if (value.IsSequence()) {
      for (const auto& v : value) sources.push_back(v);
    } else {
      sources.push_back(value);
    }
    m.path.push_back(map.Mark().pos);
    for (const auto& from : sources) {
      if (!from.IsMap()) {
        f_.error(from.Mark().is_null() ? key : from,
                 "<< must name a mapping (an alias such as *defaults) or a list of them");
        continue;
      }
      const int id = from.Mark().pos;
      if (std::find(m.path.begin(), m.path.end(), id) != m.path.end()) {
        f_.error(key, "<< merges a mapping into itself");
        continue;
      }
      if (!m.done.insert(id).second) continue;  // reached again: the first time won
      if (m.path.size() > kMaxMergeDepth) {
        f_.error(key, "merged mappings nest deeper than " + std::to_string(kMaxMergeDepth));
        continue;
      }
      if (++merges_ > kMaxMerges) {
        f_.error(key, "more than " + std::to_string(kMaxMerges) + " merged mappings in the file");
        break;
      }
      if (checked_.insert(id).second) f_.check_keys(from, known, what);
      merge_into(from, known, what, m);
    }
    m.path.pop_back();
  }

  // A request rate: at most what the simulator runs in reasonable time and memory. False when
  // a problem was reported.
  bool request_rate(const YAML::Node& map, const char* key, double& out) {
    const YAML::Node n = map[key];
    if (!n) return true;
    const auto rate = n.IsScalar() ? parse_double(n.Scalar()) : std::nullopt;
    if (rate && std::isfinite(*rate) && *rate > kMaxRequestsPerSecond) {
      f_.error(n, std::string(key) + " " + n.Scalar() +
                      " is above the simulator's limit of 1000000 requests/s per workload");
      return false;
    }
    const size_t problems = f_.diagnostics().size();
    f_.get(map, key, out, 0, kMaxRequestsPerSecond);
    return f_.diagnostics().size() == problems;
  }

  YamlFields& f_;
  const HostSpec& host_;
  std::vector<YAML::Node> workload_nodes_;
  size_t merges_ = 0;      // merged mappings in the whole file
  std::set<int> checked_;  // merged mappings whose keys have been checked
};

// Checks that need the whole scenario: names, class references, host topology.
void cross_check(const YAML::Node& root, const std::vector<YAML::Node>& workload_nodes, Scenario& s,
                 YamlFields& f) {
  std::set<std::string> class_names;
  std::vector<std::string_view> class_list;
  for (const auto& c : s.classes) {
    if (!class_names.insert(c.name).second) {
      f.error_at(c.where.line, c.where.column, "duplicate class '" + c.name + "'");
    }
  }
  for (const auto& c : s.classes) class_list.push_back(c.name);
  std::set<std::string> names;
  const auto& h = s.host;
  const YAML::Node nodes = root["workloads"];
  for (size_t i = 0; i < s.workloads.size(); ++i) {
    const WorkloadSpec& w = s.workloads[i];
    const YAML::Node& n = workload_nodes[i];
    if (!n.IsMap()) continue;  // already reported
    auto at = [&](const char* key) { return n[key] ? n[key] : nodes[i]; };
    if (!names.insert(w.name).second) {
      f.error_at(w.where.line, w.where.column, "duplicate workload '" + w.name + "'");
    }
    if (!w.class_name.empty() && class_names.count(w.class_name) == 0) {
      f.error(at("class"),
              "unknown class '" + w.class_name + "'" + suggest(w.class_name, class_list));
    }
    if (w.numa_node >= h.numa_nodes) {
      f.error(at("numa_node"), "numa_node " + std::to_string(w.numa_node) + " but the host has " +
                                   std::to_string(h.numa_nodes) + " node(s)");
    }
  }
  if (s.workloads.empty()) f.error(root, "a scenario needs at least one workload");
  if (s.quantum > s.control_period) {
    // Either may be the default: point at the one that is written.
    const YAML::Node at = root["quantum"]          ? root["quantum"]
                          : root["control_period"] ? root["control_period"]
                                                   : root;
    f.error(at, "quantum " + format_duration(s.quantum) + " must not exceed control_period " +
                    format_duration(s.control_period));
  }
}

}  // namespace

ScenarioLoad load_scenario_text(std::string_view text, const std::string& file_name) {
  ScenarioLoad out;
  YamlFields f(file_name);
  if (text.size() > kMaxScenarioBytes) {
    f.error_at(1, 1, "scenario file larger than 4 MiB");
    out.diagnostics = std::move(f.diagnostics());
    return out;
  }
  YAML::Node parsed;
  try {
    parsed = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    f.error_at(e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1,
               "YAML syntax error: " + e.msg);
    out.diagnostics = std::move(f.diagnostics());
    return out;
  }
  // Read through a const node: operator[] on a non-const one may add the keys it looks up.
  const YAML::Node& root = parsed;
  Scenario s;
  s.source = file_name;
  try {
    if (!root.IsMap()) {
      f.error(root, "a scenario must be a mapping with host, classes and workloads");
    } else {
      Loader load(f, s.host);
      f.check_keys(root, kTopKeys, "scenario");
      f.get(root, "name", s.name);
      f.get(root, "description", s.description);
      f.get_duration(root, "duration", s.duration, Nanos{1'000'000});
      f.get(root, "seed", s.seed, 0, UINT64_MAX);
      f.get_duration(root, "quantum", s.quantum, Nanos{100'000});
      f.get_duration(root, "control_period", s.control_period, kMinControlPeriod);
      if (s.name.empty() && !refused(root, "name")) f.error(root, "a scenario needs a name");
      if (const auto h = root["host"]) {
        load.host(h, s.host);
      } else {
        f.error(root, "a scenario needs a host");
      }
      const auto classes = root["classes"];
      if (!classes || !classes.IsSequence()) {
        f.error(classes ? classes : root, "classes must be a list");
      } else {
        for (const auto& c : classes) load.klass(c, s.classes.emplace_back());
      }
      const auto workloads = root["workloads"];
      if (!workloads || !workloads.IsSequence()) {
        f.error(workloads ? workloads : root, "workloads must be a list");
      } else {
        for (const auto& w : workloads) load.workload(w, s.workloads.emplace_back());
        cross_check(root, load.workload_nodes(), s, f);
      }
    }
  } catch (const YAML::Exception& e) {
    f.error_at(e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1,
               e.msg);
  }
  out.diagnostics = std::move(f.diagnostics());
  if (out.diagnostics.empty()) out.scenario = std::move(s);
  return out;
}

ScenarioLoad load_scenario_file(const std::string& path) {
  constexpr size_t kMaxFileBytes = size_t{1} << 20;  // the shipped ones are a few KiB
  auto text = read_regular_file(path, kMaxFileBytes);
  if (!text) {
    ScenarioLoad out;
    out.diagnostics.push_back(
        {{path, 0, 0}, "cannot read the scenario file: " + text.error().message});
    return out;
  }
  return load_scenario_text(*text, path);
}

}  // namespace dwae::sim
