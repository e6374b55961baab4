// Reads one tick ahead so workloads() can describe the tick sample() will return.
#include "dwae/record/replay_host_source.h"

namespace dwae::record {

Result<std::unique_ptr<ReplayHostSource>> ReplayHostSource::open(const std::string& path) {
  auto reader = RecordingReader::open(path);
  if (!reader.ok()) return reader.error();
  std::unique_ptr<ReplayHostSource> source(new ReplayHostSource(std::move(*reader)));
  if (auto s = source->read_ahead(); !s.ok()) return s.error();
  return source;
}

Status ReplayHostSource::read_ahead() {
  auto tick = reader_.next();
  if (!tick.ok()) {
    pending_.reset();
    error_ = tick.error();
    return tick.error();
  }
  pending_ = std::move(*tick);
  return {};
}

Result<std::vector<WorkloadInfo>> ReplayHostSource::workloads() {
  if (pending_) return pending_->workloads;
  return last_workloads_;
}

Result<HostSample> ReplayHostSource::sample() {
  if (!pending_) {
    if (error_) return *error_;
    return Error{"recording ended after " + std::to_string(played_) + " ticks"};
  }
  RecordedTick tick = std::move(*pending_);
  last_workloads_ = std::move(tick.workloads);
  ++played_;
  (void)read_ahead();  // a broken next tick is reported by the next sample()
  return std::move(tick.sample);
}

std::optional<Nanos> ReplayHostSource::next_at() const {
  if (!pending_) return std::nullopt;
  return pending_->sample.at;
}

}  // namespace dwae::record
