// `dwae inspect`: the detected cgroup layout and, per workload (or per top-level cgroup without
// a config), its current settings and live usage, as a table or as JSON. With --telemetry also
// the telemetry sources (which eBPF collectors and file sources run, and why not) and what they
// saw per workload over the sampling interval.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "dwae/cli/commands.h"
#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/config/loader.h"
#include "dwae/discovery/discovery.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/reader.h"
#include "dwae/telemetry/telemetry.h"

namespace dwae::cli {
namespace {

using nlohmann::json;

// One row of the report, whatever its origin (workload or top-level cgroup).
struct Row {
  std::string name;
  json meta = json::object();
  hostfs::CgroupDirs dirs;
};

json bytes_or_max(const std::optional<uint64_t>& v) {
  if (!v) return nullptr;
  if (*v == hostfs::kUnlimited) return "max";
  return *v;
}

json optional_json(const auto& v) {
  if (!v) return nullptr;
  return *v;
}

json pressure_json(const std::optional<hostfs::Pressure>& p) {
  if (!p) return nullptr;
  json j = {{"some_avg10", p->some.avg10}, {"some_total_us", p->some.total_us}};
  if (p->full) {
    j["full_avg10"] = p->full->avg10;
    j["full_total_us"] = p->full->total_us;
  }
  return j;
}

json dirs_json(const hostfs::CgroupDirs& dirs) {
  json j = json::object();
  for (const auto c : hostfs::kAllControllers) {
    if (!dirs.get(c).empty()) j[hostfs::to_string(c)] = dirs.get(c);
  }
  if (!dirs.unified.empty()) j["unified"] = dirs.unified;
  return j;
}

json settings_json(const hostfs::CgroupSettings& s) {
  json j;
  j["cpu_weight"] = optional_json(s.cpu.weight);
  j["cpu_shares"] = optional_json(s.cpu.shares);
  if (s.cpu.max) {
    j["cpu_quota_us"] = s.cpu.max->quota_us ? json(*s.cpu.max->quota_us) : json("max");
    j["cpu_period_us"] = s.cpu.max->period_us;
  } else {
    j["cpu_quota_us"] = nullptr;
    j["cpu_period_us"] = nullptr;
  }
  j["cpu_burst_us"] = optional_json(s.cpu.burst_us);
  j["cpu_idle"] = optional_json(s.cpu.idle);
  j["cpuset_cpus"] = s.cpuset.cpus ? json(hostfs::format_cpu_list(*s.cpuset.cpus)) : json();
  j["cpuset_mems"] = s.cpuset.mems ? json(hostfs::format_cpu_list(*s.cpuset.mems)) : json();
  j["memory_min"] = bytes_or_max(s.memory.min);
  j["memory_low"] = bytes_or_max(s.memory.low);
  j["memory_high"] = bytes_or_max(s.memory.high);
  j["memory_max"] = bytes_or_max(s.memory.max);
  j["io_weight"] = s.io.weight ? json(s.io.weight->default_weight) : json();
  json limits = json::array();
  for (const auto& l : s.io.limits) {
    limits.push_back(
        {{"device", std::to_string(l.device.major) + ":" + std::to_string(l.device.minor)},
         {"rbps", bytes_or_max(l.rbps)},
         {"wbps", bytes_or_max(l.wbps)},
         {"riops", bytes_or_max(l.riops)},
         {"wiops", bytes_or_max(l.wiops)}});
  }
  j["io_limits"] = limits;
  j["pids_max"] = bytes_or_max(s.pids_max);
  return j;
}

json usage_json(const hostfs::CgroupStats& before, const hostfs::CgroupStats& now,
                std::chrono::nanoseconds elapsed) {
  json j;
  j["cpu_usage_ns"] = optional_json(now.cpu_usage_ns);
  if (before.cpu_usage_ns && now.cpu_usage_ns && elapsed.count() > 0 &&
      *now.cpu_usage_ns >= *before.cpu_usage_ns) {
    j["cpu_cores"] = static_cast<double>(*now.cpu_usage_ns - *before.cpu_usage_ns) /
                     static_cast<double>(elapsed.count());
  } else {
    j["cpu_cores"] = nullptr;
  }
  j["nr_throttled"] = optional_json(now.nr_throttled);
  j["throttled_ns"] = optional_json(now.throttled_ns);
  j["memory_current_bytes"] = optional_json(now.memory_current_bytes);
  j["oom_kills"] = optional_json(now.oom_kills);
  j["pids_current"] = optional_json(now.pids_current);
  j["cpu_pressure"] = pressure_json(now.cpu_pressure);
  j["memory_pressure"] = pressure_json(now.memory_pressure);
  j["io_pressure"] = pressure_json(now.io_pressure);
  return j;
}

json layout_json(const hostfs::CgroupLayout& layout) {
  json h = json::array();
  for (const auto& x : layout.hierarchies) {
    json ctrls = json::array();
    for (const auto c : x.controllers) {
      ctrls.push_back(x.version == hostfs::CgroupVersion::kV1 ? hostfs::v1_name(c)
                                                              : hostfs::to_string(c));
    }
    h.push_back({{"version", x.version == hostfs::CgroupVersion::kV1 ? 1 : 2},
                 {"mount_point", x.mount_point},
                 {"controllers", ctrls}});
  }
  return {{"kind", hostfs::to_string(layout.kind)},
          {"hierarchies", h},
          {"psi", {{"per_cgroup", layout.psi_per_cgroup}, {"system", layout.psi_system}}}};
}

std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string size_cell(const json& v) {
  if (v.is_number_unsigned()) return format_size(v.get<uint64_t>());
  return cell(v);
}

void print_table(const json& report) {
  const auto& layout = report["layout"];
  std::printf("cgroup layout: %s\n", layout["kind"].get<std::string>().c_str());
  for (const auto& h : layout["hierarchies"]) {
    std::string ctrls;
    for (const auto& c : h["controllers"])
      ctrls += (ctrls.empty() ? "" : ",") + c.get<std::string>();
    std::printf("  v%d %-28s %s\n", h["version"].get<int>(),
                h["mount_point"].get<std::string>().c_str(), ctrls.empty() ? "-" : ctrls.c_str());
  }
  std::printf("PSI: per-cgroup %s, system-wide %s\n\n",
              layout["psi"]["per_cgroup"].get<bool>() ? "yes" : "no",
              layout["psi"]["system"].get<bool>() ? "yes" : "no");
  const auto& rows = report["workloads"];
  if (rows.empty()) {
    std::printf("no workloads\n");
    return;
  }
  std::printf("%-32s %-18s %-8s %-9s %-14s %-10s %-10s %-10s %-6s %-7s %-10s %-7s\n", "WORKLOAD",
              "CLASS", "WEIGHT", "SHARES", "QUOTA/PERIOD", "MEM.LOW", "MEM.HIGH", "MEM.MAX", "IO.W",
              "CPU", "MEM", "PSI.CPU");
  for (const auto& r : rows) {
    const auto& s = r["settings"];
    const auto& u = r["usage"];
    std::string quota = "-";
    if (!s["cpu_period_us"].is_null())
      quota = cell(s["cpu_quota_us"]) + "/" + cell(s["cpu_period_us"]);
    std::string cls = r.contains("class") ? r["class"].get<std::string>() : "-";
    std::string psi = u["cpu_pressure"].is_null() ? "-" : cell(u["cpu_pressure"]["some_avg10"]);
    std::printf("%-32s %-18s %-8s %-9s %-14s %-10s %-10s %-10s %-6s %-7s %-10s %-7s\n",
                r["name"].get<std::string>().c_str(), cls.c_str(), cell(s["cpu_weight"]).c_str(),
                cell(s["cpu_shares"]).c_str(), quota.c_str(), size_cell(s["memory_low"]).c_str(),
                size_cell(s["memory_high"]).c_str(), size_cell(s["memory_max"]).c_str(),
                cell(s["io_weight"]).c_str(), cell(u["cpu_cores"]).c_str(),
                size_cell(u["memory_current_bytes"]).c_str(), psi.c_str());
    if (r.contains("vcpus") && !r["vcpus"].empty()) {
      std::printf("    vmm pid %s, %zu vCPU threads\n", r["vmm_pid"].dump().c_str(),
                  r["vcpus"].size());
    }
  }
}

// Opens the telemetry sources for the rows; the first drain starts the interval.
std::optional<telemetry::Telemetry> open_telemetry(const InspectOptions& options,
                                                   const hostfs::CgroupLayout& layout,
                                                   const hostfs::HostPaths& paths,
                                                   const std::vector<Row>& rows) {
  if (!options.telemetry) return std::nullopt;
  telemetry::TelemetryOptions o;
  o.set_attribution_from(layout);
  // eBPF watches the running kernel, which a fixture tree is not.
  o.bpf_enabled = options.host_root.empty();
  o.log = [](const std::string&) {};  // the report shows every source and problem
  auto t = telemetry::Telemetry::open(layout, o, paths);
  std::vector<telemetry::WorkloadCgroups> workloads;
  workloads.reserve(rows.size());
  for (const Row& r : rows) workloads.push_back({r.name, r.dirs});
  t.set_workloads(workloads);
  (void)t.drain();
  return t;
}

json telemetry_status_json(const telemetry::TelemetryStatus& status) {
  json sources = json::array();
  for (const auto& s : status.sources) {
    sources.push_back({{"name", s.name}, {"active", s.active}, {"detail", s.detail}});
  }
  return {{"bpf_active", status.bpf_active},
          {"bpf_problem", status.bpf_problem.empty() ? json() : json(status.bpf_problem)},
          {"sources", sources}};
}

json workload_telemetry_json(const telemetry::WorkloadTelemetry& w) {
  const auto& s = w.sched;
  const auto& b = w.block;
  json j;
  j["wakeups"] = s.wakeups;
  j["on_cpu_ns"] = s.on_cpu_ns;
  j["run_delay_ns"] = s.run_delay_ns;
  j["run_delay_p50_ns"] =
      s.run_delay_count() > 0 ? json(s.run_queue_latency.quantile(0.5)) : json();
  j["run_delay_p99_ns"] =
      s.run_delay_count() > 0 ? json(s.run_queue_latency.quantile(0.99)) : json();
  j["switches"] = s.switches;
  j["involuntary_switches"] = s.involuntary_switches;
  j["migrations"] = s.migrations;
  j["user_faults"] = w.memory.user_faults;
  j["pages_allocated"] = w.memory.pages_allocated;
  j["reclaim_stall_ns"] = w.memory.reclaim_stall_ns;
  j["oom_kills"] = w.memory.oom_kills;
  j["io_read_ios"] = b.read.ios;
  j["io_write_ios"] = b.write.ios;
  j["io_read_bytes"] = b.read.bytes;
  j["io_write_bytes"] = b.write.bytes;
  j["io_sequential_ios"] = b.read.sequential_ios + b.write.sequential_ios;
  j["io_latency_p99_ns"] = b.latency.total() > 0 ? json(b.latency.quantile(0.99)) : json();
  j["net_rx_bytes"] = w.net.rx_bytes;
  j["net_tx_bytes"] = w.net.tx_bytes;
  j["tcp_retransmits"] = w.net.tcp_retransmits;
  j["forks"] = w.lifecycle.forks;
  j["execs"] = w.lifecycle.execs;
  j["task_run_delay_ns"] = optional_json(w.task_run_delay_ns);
  return j;
}

void print_telemetry(const json& t) {
  std::printf("\ntelemetry sources (eBPF %s):\n", t["bpf_active"].get<bool>() ? "on" : "off");
  for (const auto& s : t["sources"]) {
    std::printf("  %-3s %-22s %s\n", s["active"].get<bool>() ? "on" : "off",
                s["name"].get<std::string>().c_str(), s["detail"].get<std::string>().c_str());
  }
  if (!t.contains("workloads") || t["workloads"].empty()) return;
  std::printf("\n%-32s %-8s %-10s %-10s %-8s %-8s %-8s %-10s %-10s %-6s\n", "WORKLOAD", "CPU",
              "RUNQ.P50", "RUNQ.P99", "FAULTS", "IO.R", "IO.W", "NET.RX", "NET.TX", "RETX");
  const auto us = [](const json& v) {
    if (v.is_null()) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0fus", v.get<double>() / 1e3);
    return std::string(buf);
  };
  for (const auto& [name, w] : t["workloads"].items()) {
    const double secs = t["interval_ns"].get<double>() / 1e9;
    char cpu[32];
    std::snprintf(
        cpu, sizeof cpu, "%.2f",
        secs > 0 ? static_cast<double>(w["on_cpu_ns"].get<uint64_t>()) / 1e9 / secs : 0.0);
    std::printf("%-32s %-8s %-10s %-10s %-8s %-8s %-8s %-10s %-10s %-6s\n", name.c_str(), cpu,
                us(w["run_delay_p50_ns"]).c_str(), us(w["run_delay_p99_ns"]).c_str(),
                cell(w["user_faults"]).c_str(), cell(w["io_read_ios"]).c_str(),
                cell(w["io_write_ios"]).c_str(), size_cell(w["net_rx_bytes"]).c_str(),
                size_cell(w["net_tx_bytes"]).c_str(), cell(w["tcp_retransmits"]).c_str());
  }
}

}  // namespace

int run_inspect(const InspectOptions& options) {
  const hostfs::HostPaths paths = options.host_root.empty()
                                      ? hostfs::HostPaths{}
                                      : hostfs::HostPaths::for_root(options.host_root);
  auto layout = hostfs::detect_layout(paths);
  if (!layout) {
    std::fprintf(stderr, "dwae inspect: %s\n", layout.error().message.c_str());
    return kExitFailure;
  }
  discovery::Discovery discovery(*layout, hostfs::ProcFs(paths));

  std::vector<Row> rows;
  if (!options.config_path.empty()) {
    const auto loaded = config::load_config_file(options.config_path);
    if (!loaded.ok()) {
      for (const auto& d : loaded.diagnostics) {
        std::fprintf(stderr, "%s\n", terminal_safe(d.format()).c_str());
      }
      return kExitBadInput;
    }
    auto workloads = discovery.discover(*loaded.config);
    if (!workloads) {
      std::fprintf(stderr, "dwae inspect: %s\n", workloads.error().message.c_str());
      return kExitFailure;
    }
    for (auto& w : *workloads) {
      Row r{w.name, json::object(), w.dirs};
      r.meta["rule"] = w.rule;
      r.meta["class"] = w.class_name;
      r.meta["class_kind"] = config::to_string(w.class_kind);
      r.meta["kind"] = discovery::to_string(w.kind);
      if (w.kind == discovery::WorkloadKind::kVm) {
        r.meta["vmm_pid"] = w.vmm_pid;
        json vcpus = json::array();
        for (const auto& v : w.vcpus) {
          vcpus.push_back({{"index", v.index}, {"tid", v.tid}, {"cpu_cgroup", v.cpu_cgroup_dir}});
        }
        r.meta["vcpus"] = vcpus;
      }
      if (!w.k8s_qos.empty()) r.meta["k8s_qos"] = w.k8s_qos;
      rows.push_back(std::move(r));
    }
  } else {
    for (auto& t : discovery.top_level()) rows.push_back(Row{t.name, json::object(), t.dirs});
  }

  // Two samples, so that usage is a rate and not a lifetime counter. The telemetry opens first:
  // loading eBPF takes a second or more, which must not fall between the first sample and t0
  // (CPU used while loading, divided by the sampling interval, read as several cores).
  auto tele = open_telemetry(options, *layout, paths, rows);
  const hostfs::CgroupReader reader(*layout);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::optional<hostfs::CgroupStats>> first(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (auto s = reader.read_stats(rows[i].dirs)) first[i] = std::move(s).value();
  }
  if (options.sample_ms > 0 && (!rows.empty() || tele)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options.sample_ms));
  }
  const auto elapsed = std::chrono::steady_clock::now() - t0;

  json report;
  report["layout"] = layout_json(*layout);
  report["workloads"] = json::array();
  json errors = json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    auto snap = reader.read(rows[i].dirs);
    if (!snap) {
      errors.push_back(rows[i].name + ": " + snap.error().message);
      continue;
    }
    json r = rows[i].meta;
    r["name"] = rows[i].name;
    r["dirs"] = dirs_json(rows[i].dirs);
    r["settings"] = settings_json(snap->settings);
    r["usage"] = usage_json(first[i].value_or(snap->stats), snap->stats,
                            std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
    report["workloads"].push_back(std::move(r));
  }
  report["errors"] = errors;
  if (tele) {
    json t = telemetry_status_json(tele->status());
    t["interval_ns"] = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    t["workloads"] = json::object();
    if (auto sample = tele->drain()) {
      for (const auto& w : sample->workloads) t["workloads"][w.name] = workload_telemetry_json(w);
    } else {
      t["error"] = sample.error().message;
    }
    report["telemetry"] = std::move(t);
  }

  if (options.json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    print_table(report);
    if (report.contains("telemetry")) print_telemetry(report["telemetry"]);
    for (const auto& e : errors)
      std::fprintf(stderr, "warning: %s\n", e.get<std::string>().c_str());
  }
  return kExitOk;
}

}  // namespace dwae::cli
