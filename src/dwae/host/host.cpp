// Names of the host contract's enums.
#include "dwae/host/host.h"

namespace dwae {

const char* to_string(WorkloadClassKind kind) {
  switch (kind) {
    case WorkloadClassKind::kLatencySensitive:
      return "latency-sensitive";
    case WorkloadClassKind::kThroughput:
      return "throughput";
    case WorkloadClassKind::kBestEffort:
      break;
  }
  return "best-effort";
}

}  // namespace dwae
