// A window's P99 is judged against the class target only when the window saw requests.
#include "dwae/sim/metrics.h"

namespace dwae::sim {

void Metrics::close_window() {
  for (auto& c : classes) {
    c.units_per_window.push_back(c.units_in_window);
    c.units_in_window = 0;
    if (c.window.count() > 0) {
      ++c.windows_with_requests;
      if (c.p99_target_ns && c.window.quantile(0.99) > *c.p99_target_ns) ++c.windows_violating;
      c.window.clear();
    }
  }
}

}  // namespace dwae::sim
