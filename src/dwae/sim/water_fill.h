// Weighted max-min fair sharing ("water-filling"): the allocation every proportional-share
// resource in the simulator uses (CPU per scheduling quantum, device time, link bandwidth).
#pragma once

#include <cstddef>
#include <vector>

namespace dwae::sim {

struct ShareRequest {
  double demand = 0;  // the most this consumer can use
  double weight = 1;  // > 0
};

struct ShareResult {
  std::vector<double> allocation;  // same order as the requests
  // The water level: an unsatisfied consumer of weight w gets level * w. Infinite when every
  // demand was met (no contention).
  double level = 0;
  bool contended = false;
};

// Splits `capacity` among `requests`: nobody gets more than its demand, and capacity left by a
// satisfied consumer is shared by the others in proportion to their weights (work-conserving).
ShareResult water_fill(double capacity, const std::vector<ShareRequest>& requests);
// The same, writing into caller-owned storage to avoid allocation in the inner loop. `order` is
// scratch space.
double water_fill_into(double capacity, const ShareRequest* requests, size_t n, double* allocation,
                       std::vector<size_t>& order, bool* contended);

}  // namespace dwae::sim
