// Classic progressive filling: sort by demand/weight, satisfy the smallest first, and give the
// rest an equal water level per unit of weight.
#include "dwae/sim/water_fill.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace dwae::sim {

double water_fill_into(double capacity, const ShareRequest* requests, size_t n, double* allocation,
                       std::vector<size_t>& order, bool* contended) {
  double total_demand = 0;
  for (size_t i = 0; i < n; ++i) total_demand += requests[i].demand;
  if (total_demand <= capacity) {
    for (size_t i = 0; i < n; ++i) allocation[i] = requests[i].demand;
    *contended = false;
    return std::numeric_limits<double>::infinity();
  }
  *contended = true;
  order.resize(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double ra = requests[a].demand / requests[a].weight;
    const double rb = requests[b].demand / requests[b].weight;
    return ra < rb || (ra == rb && a < b);
  });
  double remaining = capacity;
  double weight_left = 0;
  for (size_t i = 0; i < n; ++i) weight_left += requests[i].weight;
  double level = 0;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = order[k];
    level = weight_left > 0 ? remaining / weight_left : 0;
    const double fair = level * requests[i].weight;
    if (requests[i].demand <= fair) {
      allocation[i] = requests[i].demand;
      remaining -= requests[i].demand;
      weight_left -= requests[i].weight;
    } else {
      // Everyone from here on is limited by the level, not by demand.
      for (size_t m = k; m < n; ++m) allocation[order[m]] = level * requests[order[m]].weight;
      return level;
    }
  }
  return level;
}

ShareResult water_fill(double capacity, const std::vector<ShareRequest>& requests) {
  ShareResult result;
  result.allocation.assign(requests.size(), 0.0);
  std::vector<size_t> order;
  result.level = water_fill_into(capacity, requests.data(), requests.size(),
                                 result.allocation.data(), order, &result.contended);
  return result;
}

}  // namespace dwae::sim
