// The Policy interface: from what the host looks like now to the targets it should have. A
// policy reads no file, clock or global; everything it knows arrives as arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/host.h"

namespace dwae::policy {

class Policy {
 public:
  virtual ~Policy() = default;
  // Called once per control tick. Returns absolute targets for the workloads the policy wants
  // to change; an empty decision changes nothing.
  virtual Decision decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) = 0;
  virtual const char* name() const = 0;
  // The settings a workload's config gives it (applied the first time the workload is seen):
  // for workloads discovered after the policy was made. Everything else the policy knows stays.
  virtual void set_configured(const std::string& workload, const ResourceTargets& targets) = 0;
  // Replaces the model the policy runs (PPO's network) with the one in the file at `path`,
  // keeping everything else (feature windows, controller state). The file is read and checked
  // in full before anything changes: when it is unreadable, truncated, corrupted, of another
  // version or the wrong sizes, the policy keeps the model it has and the error says why.
  // Policies without a model file refuse and change nothing.
  virtual Status reload_model(const std::string& path) {
    return Error{std::string("policy '") + name() + "' has no model file to reload (" + path + ")"};
  }
  // Workload-ticks since the policy was made in which its model gave a non-finite output (NaN):
  // those proposals are held at the applied values by the shield. Always 0 without a model.
  virtual uint64_t non_finite_outputs() const { return 0; }
};

}  // namespace dwae::policy
