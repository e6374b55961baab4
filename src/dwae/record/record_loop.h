// The recording loop: sample a HostSource every period for a duration and write each tick. The
// source and the passage of time are injected, so the same loop records a real host (sleeping
// between ticks), the simulator (simulating between ticks) or a test double.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "dwae/common/result.h"
#include "dwae/host/host.h"
#include "dwae/record/recording.h"

namespace dwae::record {

struct RecordLoopOptions {
  Nanos duration{0};
  Nanos period{200'000'000};
};

struct RecordSummary {
  uint64_t ticks = 0;
  uint64_t failed_samples = 0;  // ticks the source could not sample (skipped, not written)
  std::string last_error;       // the last such failure
};

struct RecordHooks {
  // Moves time to `offset` after the start (sleep, or simulate); called between ticks.
  std::function<void(Nanos offset)> advance_to;
  // Called after each tick is written (e.g. a policy acting on the simulator); may be empty.
  std::function<void(const HostSample&, const std::vector<WorkloadInfo>&)> after_tick;
  // Set from elsewhere (a signal handler) to stop after the current tick; may be null.
  const std::atomic<bool>* stop = nullptr;
};

// Samples at offsets 0, period, 2*period, ... up to and including `duration`. A failed sample
// is counted and skipped; a failed write ends the loop with its error. Does not close `writer`.
Result<RecordSummary> record_loop(HostSource& source, RecordingWriter& writer,
                                  const RecordLoopOptions& options, const RecordHooks& hooks);

}  // namespace dwae::record
