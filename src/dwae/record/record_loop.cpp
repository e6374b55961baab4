// The loop itself; see record_loop.h.
#include "dwae/record/record_loop.h"

namespace dwae::record {

Result<RecordSummary> record_loop(HostSource& source, RecordingWriter& writer,
                                  const RecordLoopOptions& options, const RecordHooks& hooks) {
  if (options.period.count() <= 0) return Error{"the recording period must be positive"};
  if (options.duration.count() < 0) return Error{"the recording duration must not be negative"};
  RecordSummary summary;
  for (Nanos offset{0};; offset += options.period) {
    if (offset > options.duration) break;
    if (offset.count() > 0 && hooks.advance_to) hooks.advance_to(offset);
    if (hooks.stop != nullptr && hooks.stop->load()) break;
    auto infos = source.workloads();
    auto sample = infos.ok() ? source.sample() : Result<HostSample>(infos.error());
    if (!sample.ok()) {
      ++summary.failed_samples;
      summary.last_error = sample.error().message;
      continue;
    }
    if (auto s = writer.write(*sample, *infos); !s.ok()) return s.error();
    ++summary.ticks;
    if (hooks.after_tick) hooks.after_tick(*sample, *infos);
  }
  return summary;
}

}  // namespace dwae::record
