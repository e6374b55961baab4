// Status file: written by the agent each tick, rendered by `dwae status`.
#include "dwae/agent/status.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "dwae/agent/json_fields.h"
#include "dwae/common/strings.h"

namespace dwae::agent {
namespace {

using nlohmann::json;

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

// Bounds of the numbers in a status document; a number outside them is not one the agent wrote,
// and the arithmetic on them (the age, ten periods) cannot overflow.
constexpr int64_t kLatestEpochMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
constexpr int64_t kLongestPeriodMs = 86'400'000;         // a day (the agent allows 10 s)
constexpr double kLongestTickMs = 86'400'000.0;

// Stores a checked member in `out`, or keeps the first error in `error`.
template <typename T>
void take(Result<std::optional<T>> member, std::optional<T>& out, std::optional<Error>& error) {
  if (error) return;
  if (!member) {
    error = member.error();
  } else {
    out = std::move(*member);
  }
}

struct DocumentHeader {
  std::optional<std::string> time, policy, mode, host, telemetry, last_error;
  std::optional<int64_t> epoch_ms, pid, period_ms;
  std::optional<uint64_t> ticks;
  std::optional<double> last_tick_ms;
};

struct WorkloadRow {
  std::optional<std::string> name, class_name, kind, last_reason;
  std::optional<uint64_t> cpu_weight, memory_low_bytes, memory_high_bytes, io_weight, memory_bytes;
  std::optional<bool> cpu_idle;
  std::optional<double> cpu_quota_cores, p99_target_ms;
};

// Every field is read in place and checked for its type and range (json_fields.h: nothing from
// the file is copied, dumped or compared, however deep it nests).
Result<DocumentHeader> read_header(const json& j) {
  using namespace json_fields;
  DocumentHeader h;
  std::optional<Error> e;
  take(string_member(j, "time"), h.time, e);
  take(string_member(j, "policy"), h.policy, e);
  take(string_member(j, "mode"), h.mode, e);
  take(string_member(j, "host"), h.host, e);
  take(string_member(j, "telemetry"), h.telemetry, e);
  take(string_member(j, "last_error"), h.last_error, e);
  take(integer_member(j, "epoch_ms", 0, kLatestEpochMs), h.epoch_ms, e);
  take(integer_member(j, "pid", 1, std::numeric_limits<pid_t>::max()), h.pid, e);
  take(integer_member(j, "period_ms", 0, kLongestPeriodMs), h.period_ms, e);
  take(unsigned_member(j, "ticks"), h.ticks, e);
  take(number_member(j, "last_tick_ms"), h.last_tick_ms, e);
  if (e) return *e;
  if (h.last_tick_ms && (*h.last_tick_ms < 0 || *h.last_tick_ms > kLongestTickMs)) {
    return Error{"\"last_tick_ms\" is out of range"};
  }
  return h;
}

Result<WorkloadRow> read_row(const json& w) {
  using namespace json_fields;
  if (!w.is_object()) return Error{"a workload is not an object"};
  WorkloadRow r;
  std::optional<Error> e;
  take(string_member(w, "name"), r.name, e);
  take(string_member(w, "class"), r.class_name, e);
  take(string_member(w, "kind"), r.kind, e);
  take(string_member(w, "last_reason"), r.last_reason, e);
  take(unsigned_member(w, "cpu_weight"), r.cpu_weight, e);
  take(unsigned_member(w, "memory_low_bytes"), r.memory_low_bytes, e);
  take(unsigned_member(w, "memory_high_bytes"), r.memory_high_bytes, e);
  take(unsigned_member(w, "io_weight"), r.io_weight, e);
  take(unsigned_member(w, "memory_bytes"), r.memory_bytes, e);
  take(bool_member(w, "cpu_idle"), r.cpu_idle, e);
  take(number_member(w, "cpu_quota_cores"), r.cpu_quota_cores, e);
  take(number_member(w, "p99_target_ms"), r.p99_target_ms, e);
  if (e) return *e;
  return r;
}

// Text from the file goes to a terminal with its control characters escaped.
std::string text_cell(const std::optional<std::string>& v, const char* fallback = "-") {
  return v ? terminal_safe(*v) : fallback;
}
std::string count_cell(std::optional<uint64_t> v) {
  return v ? std::to_string(*v) : "-";
}
std::string number_cell(std::optional<double> v, const char* fallback, const char* unit = "") {
  if (!v) return fallback;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3g%s", *v, unit);
  return buf;
}

// `text` padded with spaces to `width` bytes, after it (left-aligned) or before it.
std::string padded(std::string text, size_t width, bool left_aligned) {
  if (text.size() >= width) return text;
  const std::string pad(width - text.size(), ' ');
  return left_aligned ? text + pad : pad + text;
}

std::string table_line(const std::string& name, const std::string& class_name,
                       const std::string& weight, const std::string& idle, const std::string& quota,
                       const std::string& memory_low, const std::string& memory_high,
                       const std::string& io_weight, const std::string& p99_target) {
  return padded(name, 32, true) + " " + padded(class_name, 18, true) + " " +
         padded(weight, 7, false) + " " + padded(idle, 5, false) + " " + padded(quota, 7, false) +
         " " + padded(memory_low, 12, false) + " " + padded(memory_high, 12, false) + " " +
         padded(io_weight, 7, false) + " " + padded(p99_target, 9, false) + "\n";
}

Result<std::string> render_document(const json& j, WallTime now) {
  const json* workloads = json_fields::find(j, "workloads");
  if (workloads == nullptr || !workloads->is_array()) return Error{"no \"workloads\" array"};
  const auto h = read_header(j);
  if (!h) return h.error();
  std::vector<WorkloadRow> rows;
  for (const json& w : *workloads) {
    auto row = read_row(w);
    if (!row) return row.error();
    rows.push_back(std::move(*row));
  }

  // In range by read_header: neither the age nor ten periods can overflow.
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const int64_t age_ms = now_ms - h->epoch_ms.value_or(0);
  const int64_t period_ms = h->period_ms.value_or(200);
  const bool stale = age_ms > 10 * std::max<int64_t>(period_ms, 100);
  char last_tick[48];
  std::snprintf(last_tick, sizeof last_tick, "%.2f", h->last_tick_ms.value_or(0.0));
  std::string out = "agent pid " + (h->pid ? std::to_string(*h->pid) : std::string("?")) +
                    ", policy " + text_cell(h->policy, "?") + ", " + text_cell(h->mode, "?") +
                    ", period " + std::to_string(period_ms) + " ms, host " +
                    text_cell(h->host, "?") + ", " + std::to_string(h->ticks.value_or(0)) +
                    " ticks, last tick " + last_tick + " ms\n";
  out += "telemetry: " + text_cell(h->telemetry, "?") + "\n";
  if (stale) {
    char ago[64];
    std::snprintf(ago, sizeof ago, "%.1f", static_cast<double>(age_ms) / 1000.0);
    out += "NOT RUNNING: last update " + text_cell(h->time, "?") + ", " + ago +
           " s ago (values below are from then)\n";
  }
  if (h->last_error) out += "last error: " + text_cell(h->last_error) + "\n";
  out += table_line("WORKLOAD", "CLASS", "WEIGHT", "IDLE", "QUOTA", "MEM.LOW", "MEM.HIGH", "IO.W",
                    "P99.TGT");
  for (const auto& r : rows) {
    out += table_line(text_cell(r.name), text_cell(r.class_name), count_cell(r.cpu_weight),
                      r.cpu_idle ? (*r.cpu_idle ? "yes" : "no") : "-",
                      number_cell(r.cpu_quota_cores, "max"), count_cell(r.memory_low_bytes),
                      r.memory_high_bytes ? std::to_string(*r.memory_high_bytes) : "max",
                      count_cell(r.io_weight), number_cell(r.p99_target_ms, "-", "ms"));
    if (r.last_reason && !r.last_reason->empty()) {
      out += "    last decision: " + terminal_safe(*r.last_reason) + "\n";
    }
  }
  return out;
}

}  // namespace

Result<std::string> render_status(const std::string& json_text, WallTime now) {
  const json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error{"the status file is not a DWAE status document"};
  }
  auto rendered = render_document(j, now);
  if (!rendered) {
    return Error{"the status file is not a DWAE status document: " + rendered.error().message};
  }
  return rendered;
}

}  // namespace dwae::agent
