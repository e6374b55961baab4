// `dwae inspect`: the detected cgroup layout and, per workload (or per top-level cgroup without
// a config), its current settings and live usage, as a table or as JSON.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "dwae/cli/commands.h"
#include "dwae/common/units.h"
#include "dwae/config/loader.h"
#include "dwae/discovery/discovery.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/reader.h"

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
      for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
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

  // Two samples, so that usage is a rate and not a lifetime counter.
  const hostfs::CgroupReader reader(*layout);
  std::vector<std::optional<hostfs::CgroupStats>> first(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (auto s = reader.read_stats(rows[i].dirs)) first[i] = std::move(s).value();
  }
  const auto t0 = std::chrono::steady_clock::now();
  if (options.sample_ms > 0 && !rows.empty()) {
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

  if (options.json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    print_table(report);
    for (const auto& e : errors)
      std::fprintf(stderr, "warning: %s\n", e.get<std::string>().c_str());
  }
  return kExitOk;
}

}  // namespace dwae::cli
