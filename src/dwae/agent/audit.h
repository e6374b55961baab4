// The audit trail: every change the agent applies (or, in dry-run, would apply) is one JSON
// line — time, workload, resource, old and new value, policy, the reason, the features that
// drove it and the guards that changed it. `dwae explain` reads it back and says, in plain
// words, why a workload's settings changed.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "dwae/actuator/plan.h"
#include "dwae/common/clock.h"
#include "dwae/common/result.h"
#include "dwae/host/host.h"
#include "dwae/policy/explanation.h"

namespace dwae::agent {

using WallTime = dwae::WallTime;

struct AuditRecord {
  WallTime time;
  std::string workload;
  std::string class_name;
  std::string resource;  // "cpu.weight", "cpu.idle", "memory.low", ...
  std::string old_value, new_value;
  std::string policy;
  std::string reason;
  std::vector<policy::FeatureContribution> features;
  std::vector<policy::GuardAction> guards;  // the shield's and the actuator's adjustments
  bool dry_run = false;
  std::string result;  // "applied", "rolled-back", "planned" (dry-run)
};

// One record per value a plan changes (before != after), in v2 units.
std::vector<AuditRecord> records_for_plan(const actuator::WorkloadPlan& plan,
                                          const policy::WorkloadExplanation* explanation,
                                          const std::string& policy, bool dry_run, bool failed,
                                          WallTime time);

std::string to_json_line(const AuditRecord& record);
Result<AuditRecord> parse_json_line(std::string_view line);

// Appends records to a file, one line each; the file is rotated to FILE.1 past `max_bytes`.
class AuditWriter {
 public:
  static Result<AuditWriter> open(const std::string& path, uint64_t max_bytes = 64ull << 20);
  AuditWriter(AuditWriter&& other) noexcept;
  AuditWriter& operator=(AuditWriter&& other) noexcept;
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;
  ~AuditWriter();

  // Appends the records, first rotating FILE to FILE.1 when they would take it past
  // `max_bytes`. An error when they could not be written, or when the rotation failed: then
  // they were appended to the current file, and the next write tries to rotate again.
  Status write(const std::vector<AuditRecord>& records);
  const std::string& path() const { return path_; }

 private:
  AuditWriter(std::string path, int fd, uint64_t size, uint64_t max_bytes)
      : path_(std::move(path)), fd_(fd), size_(size), max_bytes_(max_bytes) {}
  Status rotate();
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t max_bytes_ = 0;
};

// The records of one workload at or after `since` (FILE.1, then FILE, in time order). Lines
// that do not parse are counted in `skipped`, not fatal.
struct AuditQuery {
  std::vector<AuditRecord> records;
  size_t skipped = 0;
};
Result<AuditQuery> read_audit(const std::string& path, const std::string& workload,
                              std::optional<WallTime> since);

// Plain words for one record: "09:12:03.200 cpu.weight 100 -> 125: raised by feedback because
// ...; signals: ...; limited by rate-limit (...)".
std::string explain_record(const AuditRecord& record);
using dwae::format_wall_time;  // ISO 8601 UTC with milliseconds

}  // namespace dwae::agent
