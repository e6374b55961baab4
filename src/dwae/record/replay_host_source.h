// ReplayHostSource: a recording played back through HostSource, one recorded tick per
// sample(), so features, policies and the simulator's consumers see exactly what was recorded.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/host.h"
#include "dwae/record/recording.h"

namespace dwae::record {

class ReplayHostSource final : public HostSource {
 public:
  // Opens the recording and reads its first tick, so a broken file fails here.
  static Result<std::unique_ptr<ReplayHostSource>> open(const std::string& path);

  // The workloads of the tick that sample() returns next (after the end: of the last tick).
  Result<std::vector<WorkloadInfo>> workloads() override;
  // The next recorded tick; an Error once every tick was played or when the file is broken.
  Result<HostSample> sample() override;

  bool finished() const { return !pending_.has_value(); }
  // When the next tick was recorded; nullopt when finished.
  std::optional<Nanos> next_at() const;
  uint64_t ticks_played() const { return played_; }

 private:
  explicit ReplayHostSource(RecordingReader reader) : reader_(std::move(reader)) {}
  Status read_ahead();

  RecordingReader reader_;
  std::optional<RecordedTick> pending_;
  std::vector<WorkloadInfo> last_workloads_;
  std::optional<Error> error_;  // a broken tick, reported by the sample() that reaches it
  uint64_t played_ = 0;
};

}  // namespace dwae::record
