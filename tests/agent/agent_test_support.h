// Helpers shared by the agent tests.
#pragma once

#include <string>

#include "dwae/host/host.h"

namespace dwae::agent::fixtures {

inline WorkloadInfo info(const std::string& name, const std::string& class_name,
                         WorkloadClassKind kind) {
  WorkloadInfo i;
  i.name = name;
  i.class_name = class_name;
  i.class_kind = kind;
  return i;
}

}  // namespace dwae::agent::fixtures
