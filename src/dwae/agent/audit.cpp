// Audit trail: records from plans, JSON lines, the rotating writer, the reader and explain.
#include "dwae/agent/audit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

#include "dwae/agent/json_fields.h"
#include "dwae/common/file.h"
#include "dwae/common/strings.h"
#include "dwae/hostfs/parsers.h"

namespace dwae::agent {
namespace {

using nlohmann::json;

std::string text_of(const std::optional<uint64_t>& v) {
  if (!v) return "unset";
  if (*v == kNoLimit) return "max";
  return std::to_string(*v);
}
std::string text_of(const std::optional<bool>& v) {
  return !v ? "unset" : (*v ? "1" : "0");
}
std::string text_of(const std::optional<std::vector<uint32_t>>& v) {
  return v ? hostfs::format_cpu_list(*v) : "unset";
}
std::string text_of(const std::optional<std::vector<IoDeviceLimit>>& v) {
  if (!v) return "unset";
  std::string out;
  for (const auto& l : *v) {
    if (!out.empty()) out += ' ';
    out += std::to_string(l.major) + ":" + std::to_string(l.minor) +
           " rbps=" + text_of(std::optional<uint64_t>(l.rbps)) +
           " wbps=" + text_of(std::optional<uint64_t>(l.wbps)) +
           " riops=" + text_of(std::optional<uint64_t>(l.riops)) +
           " wiops=" + text_of(std::optional<uint64_t>(l.wiops));
  }
  return out.empty() ? "none" : out;
}

// How a change reads: "raised"/"lowered" for numbers, "set" otherwise.
const char* verb(const AuditRecord& r) {
  char* end_old = nullptr;
  char* end_new = nullptr;
  const double o = std::strtod(r.old_value.c_str(), &end_old);
  const double n = std::strtod(r.new_value.c_str(), &end_new);
  if (r.resource == "cpu.idle") return r.new_value == "1" ? "turned on" : "turned off";
  if (*end_old != '\0' || *end_new != '\0' || r.old_value.empty() || r.new_value.empty()) {
    return "changed";
  }
  return n > o ? "raised" : (n < o ? "lowered" : "kept");
}

}  // namespace

std::vector<AuditRecord> records_for_plan(const actuator::WorkloadPlan& plan,
                                          const policy::WorkloadExplanation* explanation,
                                          const std::string& policy, bool dry_run, bool failed,
                                          WallTime time) {
  AuditRecord base;
  base.time = time;
  base.workload = plan.workload;
  base.policy = policy;
  base.dry_run = dry_run;
  base.result = dry_run ? "planned" : (failed ? "rolled-back" : "applied");
  if (explanation != nullptr) {
    base.reason = explanation->reason;
    base.features = explanation->features;
    base.guards = explanation->guards;
    if (!explanation->policy.empty()) base.policy = explanation->policy;
  }
  for (const auto& a : plan.adjusted) base.guards.push_back({"actuator", a.field, a.message});

  std::vector<AuditRecord> out;
  const auto add = [&](const char* resource, const std::string& before, const std::string& after) {
    if (before == after) return;
    AuditRecord r = base;
    r.resource = resource;
    r.old_value = before;
    r.new_value = after;
    out.push_back(std::move(r));
  };
  const auto& b = plan.before;
  const auto& a = plan.after;
  add("cpu.idle", text_of(b.cpu_idle), text_of(a.cpu_idle));
  add("cpu.weight", text_of(b.cpu_weight), text_of(a.cpu_weight));
  add("cpu.max.quota_us", text_of(b.cpu_quota_us), text_of(a.cpu_quota_us));
  add("cpu.max.period_us", text_of(b.cpu_period_us), text_of(a.cpu_period_us));
  add("cpu.max.burst_us", text_of(b.cpu_burst_us), text_of(a.cpu_burst_us));
  add("cpuset.cpus", text_of(b.cpuset_cpus), text_of(a.cpuset_cpus));
  add("cpuset.mems", text_of(b.cpuset_mems), text_of(a.cpuset_mems));
  add("memory.min", text_of(b.memory_min), text_of(a.memory_min));
  add("memory.low", text_of(b.memory_low), text_of(a.memory_low));
  add("memory.high", text_of(b.memory_high), text_of(a.memory_high));
  add("memory.max", text_of(b.memory_max), text_of(a.memory_max));
  add("io.weight", text_of(b.io_weight), text_of(a.io_weight));
  add("io.max", text_of(b.io_limits), text_of(a.io_limits));
  return out;
}

std::string to_json_line(const AuditRecord& r) {
  json j;
  j["time"] = format_wall_time(r.time);
  j["workload"] = r.workload;
  if (!r.class_name.empty()) j["class"] = r.class_name;
  j["resource"] = r.resource;
  j["old"] = r.old_value;
  j["new"] = r.new_value;
  j["policy"] = r.policy;
  j["reason"] = r.reason;
  json features = json::array();
  for (const auto& f : r.features) features.push_back({{"name", f.feature}, {"value", f.value}});
  j["features"] = std::move(features);
  json guards = json::array();
  for (const auto& g : r.guards) {
    guards.push_back({{"guard", g.guard}, {"field", g.field}, {"detail", g.detail}});
  }
  j["guards"] = std::move(guards);
  j["dry_run"] = r.dry_run;
  j["result"] = r.result;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<AuditRecord> parse_json_line(std::string_view line) {
  using json_fields::find;
  using json_fields::mistyped;
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{"not a JSON object"};
  // Fields are read in place (see json_fields.h: nothing untrusted is copied or dumped); the
  // first one missing or mistyped makes the line unreadable.
  std::optional<Error> error;
  const auto text = [&](const json& object, const char* key, std::string& out, bool required) {
    if (error) return;
    auto v = json_fields::string_member(object, key);
    if (!v) {
      error = v.error();
    } else if (*v) {
      out = std::move(**v);
    } else if (required) {
      error = Error{std::string("no \"") + key + "\""};
    }
  };
  AuditRecord r;
  std::string time;
  text(j, "time", time, true);
  text(j, "workload", r.workload, true);
  text(j, "class", r.class_name, false);
  text(j, "resource", r.resource, true);
  text(j, "old", r.old_value, true);
  text(j, "new", r.new_value, true);
  text(j, "policy", r.policy, false);
  text(j, "reason", r.reason, false);
  text(j, "result", r.result, false);
  if (error) return *error;
  const auto t = parse_wall_time(time);
  if (!t) return Error{"bad time"};
  r.time = *t;
  const auto dry_run = json_fields::bool_member(j, "dry_run");
  if (!dry_run) return dry_run.error();
  r.dry_run = dry_run->value_or(false);
  if (const json* features = find(j, "features")) {
    if (!features->is_array()) return mistyped("features", "an array");
    for (const json& f : *features) {
      if (!f.is_object()) return mistyped("features", "an array of objects");
      policy::FeatureContribution c;
      text(f, "name", c.feature, true);
      if (error) return *error;
      const auto value = json_fields::number_member(f, "value");
      if (!value) return value.error();
      if (!*value) return Error{"a feature has no \"value\""};
      c.value = **value;
      r.features.push_back(std::move(c));
    }
  }
  if (const json* guards = find(j, "guards")) {
    if (!guards->is_array()) return mistyped("guards", "an array");
    for (const json& g : *guards) {
      if (!g.is_object()) return mistyped("guards", "an array of objects");
      policy::GuardAction a;
      text(g, "guard", a.guard, true);
      text(g, "field", a.field, true);
      text(g, "detail", a.detail, false);
      if (error) return *error;
      r.guards.push_back(std::move(a));
    }
  }
  return r;
}

Result<AuditWriter> AuditWriter::open(const std::string& path, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Error::from_errno("opening audit log " + path, errno);
  struct stat st {};
  ::fstat(fd, &st);
  return AuditWriter(path, fd, static_cast<uint64_t>(st.st_size), max_bytes);
}

AuditWriter::AuditWriter(AuditWriter&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), size_(o.size_), max_bytes_(o.max_bytes_) {
  o.fd_ = -1;
}

AuditWriter& AuditWriter::operator=(AuditWriter&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    size_ = o.size_;
    max_bytes_ = o.max_bytes_;
    o.fd_ = -1;
  }
  return *this;
}

AuditWriter::~AuditWriter() {
  if (fd_ >= 0) ::close(fd_);
}

// FILE becomes FILE.1 and a new FILE is opened. A FILE already gone (renamed by an earlier
// attempt whose open failed, or removed by an operator) is simply opened anew.
Status AuditWriter::rotate() {
  if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0 && errno != ENOENT) {
    return Error::from_errno("rotating audit log " + path_, errno);
  }
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Error::from_errno("opening audit log " + path_ + " to rotate it", errno);
  ::close(fd_);
  fd_ = fd;
  size_ = 0;
  return Status::success();
}

Status AuditWriter::write(const std::vector<AuditRecord>& records) {
  if (records.empty()) return Status::success();
  std::string text;
  for (const auto& r : records) {
    text += to_json_line(r);
    text += '\n';
  }
  // A rotation that fails leaves the writer on the file it has: the records go there (the log
  // grows past its size; nothing is lost) and the next write tries to rotate again.
  Status rotated = Status::success();
  if (size_ > 0 && size_ + text.size() > max_bytes_) rotated = rotate();
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("writing audit log " + path_, errno);
    done += static_cast<size_t>(n);
  }
  size_ += text.size();
  if (!rotated) {
    return Error{rotated.error().message + " (the records were appended to the current file)"};
  }
  return Status::success();
}

namespace {

// A line longer than this is not one the writer wrote (a record takes a few hundred bytes): it
// is counted as unreadable without being held whole.
constexpr size_t kMaxAuditLineBytes = size_t{1} << 20;

// Calls on_line(line) for each line of the audit file `path` (the last one also when it has no
// newline) and on_overlong() for each line past kMaxAuditLineBytes. Sets `found` when the file
// exists: FILE.1 is absent until the first rotation. What is not a regular file (a directory,
// a FIFO, /dev/zero) is refused, or passed over as absent when `only_if_regular` (a directory
// in FILE.1's place is not a rotated log: the writer cannot rotate and keeps to FILE). A read
// that fails is an error, not the end of the log.
template <typename OnLine, typename OnOverlong>
Status read_audit_lines(const std::string& path, bool only_if_regular, bool& found, OnLine on_line,
                        OnOverlong on_overlong) {
  found = false;
  auto file = RegularFile::open(path);
  if (!file) {
    if (is_missing(file.error())) return Status::success();
    if (only_if_regular && is_not_regular_file(file.error())) return Status::success();
    return Error{"audit log " + file.error().message};
  }
  found = true;
  std::string buffer(size_t{64} << 10, '\0');
  std::string line;
  bool overlong = false;  // within a line past the limit: its bytes are dropped
  for (;;) {
    const ssize_t n = ::read(file->get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("reading audit log " + path, errno);
    if (n == 0) break;
    std::string_view chunk(buffer.data(), static_cast<size_t>(n));
    while (!chunk.empty()) {
      const size_t newline = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, newline);
      if (!overlong && line.size() + piece.size() > kMaxAuditLineBytes) {
        overlong = true;
        line.clear();
        on_overlong();
      }
      if (!overlong) line.append(piece);
      if (newline == std::string_view::npos) break;
      if (!overlong) on_line(std::string_view(line));
      line.clear();
      overlong = false;
      chunk.remove_prefix(newline + 1);
    }
  }
  if (!overlong && !line.empty()) on_line(std::string_view(line));
  return Status::success();
}

}  // namespace

Result<AuditQuery> read_audit(const std::string& path, const std::string& workload,
                              std::optional<WallTime> since) {
  AuditQuery q;
  bool any = false;
  for (const bool rotated : {true, false}) {
    const std::string file = rotated ? path + ".1" : path;
    bool found = false;
    const auto on_line = [&](std::string_view line) {
      if (line.empty()) return;
      auto r = parse_json_line(line);
      if (!r) {
        ++q.skipped;
        return;
      }
      if (r->workload != workload) return;
      if (since && r->time < *since) return;
      q.records.push_back(std::move(*r));
    };
    const Status read = read_audit_lines(file, rotated, found, on_line, [&] { ++q.skipped; });
    if (!read) return read.error();
    any = any || found;
  }
  if (!any) return Error{"no audit log at " + path + " (has the agent run with this state dir?)"};
  return q;
}

// Every string of a record is read from a file and goes to a terminal: control characters in
// it are escaped (terminal_safe), so that a reason cannot clear the screen or fake a line.
std::string explain_record(const AuditRecord& r) {
  const std::string when = format_wall_time(r.time);
  std::string out = when.substr(0, 10) + " " + when.substr(11, 12) + "  " +
                    terminal_safe(r.resource) + " " + terminal_safe(r.old_value) + " -> " +
                    terminal_safe(r.new_value) + ": " + verb(r) + " by the " +
                    terminal_safe(r.policy) + " policy";
  if (!r.reason.empty()) out += " because " + terminal_safe(r.reason);
  if (r.result == "planned") {
    out += " (dry-run: planned, not written)";
  } else if (r.result == "rolled-back") {
    out += " (the write failed and was rolled back)";
  }
  if (!r.features.empty()) {
    out += ".\n    signals that mattered:";
    for (size_t i = 0; i < r.features.size() && i < 4; ++i) {
      char value[32];
      std::snprintf(value, sizeof value, "%.3g", r.features[i].value);
      out += (i == 0 ? " " : ", ") + terminal_safe(r.features[i].feature) + " = " + value;
    }
  }
  bool first = true;
  for (const auto& g : r.guards) {
    out += first ? ".\n    guards: " : "; ";
    first = false;
    out += terminal_safe(g.guard) + " on " + terminal_safe(g.field);
    if (!g.detail.empty()) out += " (" + terminal_safe(g.detail) + ")";
  }
  out += '.';
  return out;
}

}  // namespace dwae::agent
