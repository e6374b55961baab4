// Status file: written by the agent each tick, rendered by `dwae status`.
#include "dwae/agent/status.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace dwae::agent {
namespace {

using nlohmann::json;

std::string cell(const json& v, const char* fallback = "-") {
  if (v.is_null()) return fallback;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v.get<double>());
    return buf;
  }
  return v.dump();
}

}  // namespace

std::string status_json(const StatusHeader& header, const TickResult& tick, uint64_t ticks,
                        WallTime now) {
  json j;
  j["time"] = format_wall_time(now);
  j["epoch_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  j["pid"] = header.pid;
  j["policy"] = header.policy;
  j["mode"] = header.dry_run ? "dry-run" : "enforce";
  j["period_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(header.period).count();
  j["host"] = header.host;
  j["telemetry"] = header.telemetry;
  j["ticks"] = ticks;
  j["last_tick_ms"] = static_cast<double>(tick.duration.count()) / 1e6;
  if (!tick.ok) j["last_error"] = tick.error;
  std::map<std::string, const WorkloadSample*> samples;
  for (const auto& s : tick.sample.workloads) samples[s.name] = &s;
  json rows = json::array();
  for (const auto& info : tick.workloads) {
    json w;
    w["name"] = info.name;
    w["class"] = info.class_name;
    w["kind"] = to_string(info.class_kind);
    const auto it = samples.find(info.name);
    if (it != samples.end()) {
      const auto& a = it->second->applied;
      if (a.cpu_weight) w["cpu_weight"] = *a.cpu_weight;
      if (a.cpu_idle) w["cpu_idle"] = *a.cpu_idle;
      if (a.cpu_quota_us && a.cpu_period_us && *a.cpu_quota_us != kNoLimit &&
          *a.cpu_period_us > 0) {
        w["cpu_quota_cores"] =
            static_cast<double>(*a.cpu_quota_us) / static_cast<double>(*a.cpu_period_us);
      }
      if (a.memory_low_bytes && *a.memory_low_bytes != kNoLimit) {
        w["memory_low_bytes"] = *a.memory_low_bytes;
      }
      if (a.memory_high_bytes && *a.memory_high_bytes != kNoLimit) {
        w["memory_high_bytes"] = *a.memory_high_bytes;
      }
      if (a.io_weight) w["io_weight"] = *a.io_weight;
      w["memory_bytes"] = it->second->memory_current_bytes;
    }
    if (info.p99_target) {
      w["p99_target_ms"] = static_cast<double>(info.p99_target->count()) / 1e6;
    }
    rows.push_back(std::move(w));
  }
  j["workloads"] = std::move(rows);
  // SLA status: the latency signal the adaptive policies control, per explanation.
  for (const auto& e : tick.explanations) {
    for (auto& w : j["workloads"]) {
      if (w["name"] == e.workload) w["last_reason"] = e.reason;
    }
  }
  // A name that is not UTF-8 (a cgroup or VM named so) is written with U+FFFD in its place
  // rather than failing the tick.
  return j.dump(1, ' ', false, json::error_handler_t::replace);
}

Status write_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error::from_errno("writing " + tmp, errno);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Error::from_errno("writing " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Error::from_errno("renaming " + tmp, errno);
  return Status::success();
}

namespace {

// Throws json::type_error when a field has the wrong type.
std::string render_document(const json& j, WallTime now) {
  std::string out;
  char line[512];
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const int64_t age_ms = now_ms - j.value("epoch_ms", int64_t{0});
  const int64_t period_ms = j.value("period_ms", int64_t{200});
  const bool stale = age_ms > 10 * std::max<int64_t>(period_ms, 100);
  std::snprintf(line, sizeof line,
                "agent pid %d, policy %s, %s, period %lld ms, host %s, %llu ticks, last tick "
                "%.2f ms\n",
                j.value("pid", 0), j.value("policy", "?").c_str(), j.value("mode", "?").c_str(),
                static_cast<long long>(period_ms), j.value("host", "?").c_str(),
                static_cast<unsigned long long>(j.value("ticks", uint64_t{0})),
                j.value("last_tick_ms", 0.0));
  out += line;
  out += "telemetry: " + j.value("telemetry", std::string("?")) + "\n";
  if (stale) {
    std::snprintf(line, sizeof line,
                  "NOT RUNNING: last update %s, %.1f s ago (values below are from then)\n",
                  j.value("time", "?").c_str(), static_cast<double>(age_ms) / 1000.0);
    out += line;
  }
  if (j.contains("last_error")) out += "last error: " + cell(j["last_error"]) + "\n";
  std::snprintf(line, sizeof line, "%-32s %-18s %7s %5s %7s %12s %12s %7s %9s\n", "WORKLOAD",
                "CLASS", "WEIGHT", "IDLE", "QUOTA", "MEM.LOW", "MEM.HIGH", "IO.W", "P99.TGT");
  out += line;
  for (const auto& w : j["workloads"]) {
    const auto get = [&](const char* k) { return w.contains(k) ? w[k] : json(); };
    std::snprintf(
        line, sizeof line, "%-32s %-18s %7s %5s %7s %12s %12s %7s %9s\n", cell(get("name")).c_str(),
        cell(get("class")).c_str(), cell(get("cpu_weight")).c_str(), cell(get("cpu_idle")).c_str(),
        cell(get("cpu_quota_cores"), "max").c_str(), cell(get("memory_low_bytes")).c_str(),
        cell(get("memory_high_bytes"), "max").c_str(), cell(get("io_weight")).c_str(),
        w.contains("p99_target_ms") ? (cell(w["p99_target_ms"]) + "ms").c_str() : "-");
    out += line;
    if (w.contains("last_reason") && w["last_reason"].is_string() &&
        !w["last_reason"].get<std::string>().empty()) {
      out += "    last decision: " + w["last_reason"].get<std::string>() + "\n";
    }
  }
  return out;
}

}  // namespace

Result<std::string> render_status(const std::string& json_text, WallTime now) {
  const json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("workloads")) {
    return Error{"the status file is not a DWAE status document"};
  }
  try {
    return render_document(j, now);
  } catch (const json::exception& e) {
    return Error{std::string("the status file is not a DWAE status document: ") + e.what()};
  }
}

}  // namespace dwae::agent
