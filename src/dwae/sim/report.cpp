// Rendering only: the numbers are computed in runner.cpp. Floating-point values are rounded so
// that text and JSON are stable to read and to compare.
#include "dwae/sim/report.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace dwae::sim {

namespace {

double round_to(double v, double digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

std::string Report::to_json() const {
  nlohmann::ordered_json j;
  j["scenario"] = scenario;
  j["policy"] = policy;
  j["seed"] = seed;
  j["simulated_seconds"] = round_to(simulated_seconds, 3);
  j["events"] = events;
  auto& cls = j["classes"] = nlohmann::ordered_json::array();
  for (const auto& c : classes) {
    nlohmann::ordered_json o;
    o["name"] = c.name;
    o["kind"] = c.kind;
    o["workloads"] = c.workloads;
    o["requests"] = c.requests;
    o["requests_failed"] = c.requests_failed;
    o["latency_ms"] = {{"mean", round_to(c.mean_ms, 4)},
                       {"p50", round_to(c.p50_ms, 4)},
                       {"p99", round_to(c.p99_ms, 4)},
                       {"p99_9", round_to(c.p999_ms, 4)}};
    o["p99_target_ms"] = c.p99_target_ms ? nlohmann::ordered_json(round_to(*c.p99_target_ms, 4))
                                         : nlohmann::ordered_json(nullptr);
    o["sla_violation_share"] = round_to(c.sla_violation_share, 5);
    o["requests_over_target"] = round_to(c.requests_over_target, 5);
    o["frames_total"] = c.frames_total;
    o["frames_missed"] = c.frames_missed;
    o["stall_rate"] = round_to(c.stall_rate, 5);
    o["throughput"] = round_to(c.throughput, 3);
    o["throughput_unit"] = c.throughput_unit;
    o["throughput_cv"] = round_to(c.throughput_cv, 5);
    o["cross_numa_share"] = round_to(c.cross_numa_share, 5);
    cls.push_back(std::move(o));
  }
  j["host"] = {{"cpu_utilisation", round_to(host.cpu_utilisation, 5)},
               {"memory_utilisation", round_to(host.memory_utilisation, 5)},
               {"cpu_fragmentation", round_to(host.cpu_fragmentation, 5)},
               {"memory_fragmentation", round_to(host.memory_fragmentation, 5)},
               {"overcommit_ratio", round_to(host.overcommit_ratio, 3)},
               {"cross_numa_share", round_to(host.cross_numa_share, 5)},
               {"oom_kills", host.oom_kills},
               {"throttled_periods", host.throttled_periods},
               {"net_drops", host.net_drops},
               {"net_retransmits", host.net_retransmits}};
  return j.dump(2) + "\n";
}

std::string Report::to_text() const {
  std::ostringstream out;
  out << "scenario " << scenario << "  policy " << policy << "  seed " << seed << "  simulated "
      << fixed(simulated_seconds, 1) << " s  events " << events << "\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-16s %-18s %9s %9s %9s %9s %8s %8s %8s %12s %7s %6s\n",
                "class", "kind", "requests", "p50 ms", "p99 ms", "p99.9 ms", "target", "sla viol",
                "stalls", "throughput", "cv", "xnuma");
  out << line;
  for (const auto& c : classes) {
    std::snprintf(
        line, sizeof line,
        "%-16s %-18s %9llu %9.3f %9.3f %9.3f %8s %7.2f%% %7.2f%% %12.1f %6.1f%% %5.1f%%  %s\n",
        c.name.c_str(), c.kind.c_str(), static_cast<unsigned long long>(c.requests), c.p50_ms,
        c.p99_ms, c.p999_ms, c.p99_target_ms ? fixed(*c.p99_target_ms, 1).c_str() : "-",
        100 * c.sla_violation_share, 100 * c.stall_rate, c.throughput, 100 * c.throughput_cv,
        100 * c.cross_numa_share, c.throughput_unit.c_str());
    out << line;
  }
  out << "\nhost: cpu " << fixed(100 * host.cpu_utilisation, 1) << " %  memory "
      << fixed(100 * host.memory_utilisation, 1) << " %  fragmentation cpu "
      << fixed(100 * host.cpu_fragmentation, 2) << " % memory "
      << fixed(100 * host.memory_fragmentation, 2)
      << " %  overcommit 1:" << fixed(host.overcommit_ratio, 2) << "  cross-NUMA "
      << fixed(100 * host.cross_numa_share, 1) << " %\n";
  out << "      oom kills " << host.oom_kills << "  throttled periods " << host.throttled_periods
      << "  net drops " << host.net_drops << "  retransmits " << host.net_retransmits << "\n";
  return out.str();
}

}  // namespace dwae::sim
