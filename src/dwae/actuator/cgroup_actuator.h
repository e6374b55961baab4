// The real-host Actuator: each workload's targets become one transaction of cgroup writes —
// planned (bounds, rate limits, kernel rules, order), journalled, written, read back, and
// rolled back to the values before the transaction on any failure. In dry-run mode the same
// plans are made and reported, and nothing is written.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "dwae/actuator/filesystem.h"
#include "dwae/actuator/journal.h"
#include "dwae/actuator/plan.h"
#include "dwae/config/config.h"
#include "dwae/host/host.h"
#include "dwae/hostfs/layout.h"

namespace dwae::actuator {

struct ActuatorOptions {
  std::vector<std::string> cgroup_roots{"/sys/fs/cgroup"};  // writes outside are refused
  std::string journal_path;
  PlanOptions plan;
  bool dry_run = false;
  // The actuator plans against the values it last wrote and read back, and re-reads a
  // workload's settings from the kernel every `refresh_ticks` applies (and after any failure),
  // so changes made by others are picked up within that many ticks. 0: read every tick.
  int refresh_ticks = 25;
};

struct ManagedWorkload {
  std::string name;
  WorkloadFiles files;
  config::ResourceBounds bounds;
};

// Describes a workload's files from its directories and the host layout.
WorkloadFiles files_for(const hostfs::CgroupLayout& layout, const hostfs::CgroupDirs& dirs);

class CgroupActuator final : public Actuator {
 public:
  // Opens (and, if a crash left one, first restores) the journal. Fails when the journal is
  // unreadable or cannot be fully restored: the agent must not start on top of unknown state.
  static Result<CgroupActuator> create(const hostfs::CgroupLayout& layout, ActuatorOptions options,
                                       FileSystem& fs);

  // Sets the workloads to manage. The journalled files of cgroups no longer among them
  // (dropped by a reload, or gone) are put back to their originals and leave the journal; the
  // report says how that went (a file that cannot be put back stays journalled, for the
  // restore at exit).
  RestoreReport set_workloads(std::vector<ManagedWorkload> workloads);
  ApplyReport apply(const Decision& decision) override;
  // Puts every touched file back to its original value and removes the journal.
  Status restore() override;

  // The plans of the last apply(), in the order they were applied (for logs and the audit trail).
  const std::vector<WorkloadPlan>& last_plans() const { return last_plans_; }
  const Journal& journal() const { return journal_; }

 private:
  CgroupActuator(const hostfs::CgroupLayout& layout, ActuatorOptions options, FileSystem& fs,
                 Journal journal);
  Status check_path(const std::string& dir, const std::string& file);
  // Applies one plan; returns false when it was rolled back.
  bool run_transaction(const WorkloadPlan& plan, ApplyReport& report);

  const hostfs::CgroupLayout* layout_;
  ActuatorOptions options_;
  FileSystem* fs_;
  Journal journal_;
  std::optional<JournalLock> lock_;  // held for the actuator's life (not in dry-run)
  std::vector<std::string> resolved_roots_;
  std::map<std::string, ManagedWorkload> workloads_;
  std::vector<WorkloadPlan> last_plans_;
  std::map<std::string, std::string> resolved_dirs_;  // dir -> resolved path, "" if outside
  std::unordered_set<std::string> checked_files_;     // resolved files known not to be links
  struct Known {
    KnobState state;
    int age = 0;
    std::map<std::string, std::string> raw;  // file -> content read back after our write
  };
  std::map<std::string, Known> known_;  // workload -> state after its last transaction
};

}  // namespace dwae::actuator
