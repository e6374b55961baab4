// SteadyClock reads CLOCK_MONOTONIC through std::chrono::steady_clock.
#include "dwae/common/clock.h"

namespace dwae {

Nanos SteadyClock::now() const {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace dwae
