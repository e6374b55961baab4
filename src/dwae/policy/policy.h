// The Policy interface: from what the host looks like now to the targets it should have. A
// policy reads no file, clock or global; everything it knows arrives as arguments.
#pragma once

#include <vector>

#include "dwae/host/host.h"

namespace dwae::policy {

class Policy {
 public:
  virtual ~Policy() = default;
  // Called once per control tick. Returns absolute targets for the workloads the policy wants
  // to change; an empty decision changes nothing.
  virtual Decision decide(const HostSample& now, const std::vector<WorkloadInfo>& workloads) = 0;
  virtual const char* name() const = 0;
};

}  // namespace dwae::policy
