// RawEventRecorder: the telemetry facade in raw-event mode, drained by a thread of its own into
// a RawEventWriter.
#include "dwae/record/raw_event_recorder.h"

#include <utility>

namespace dwae::record {

Result<std::unique_ptr<RawEventRecorder>> RawEventRecorder::start(
    const hostfs::CgroupLayout& layout, const RawEventRecorderOptions& options) {
  telemetry::TelemetryOptions t;
  t.set_attribution_from(layout);
  t.kernel_btf_path = options.kernel_btf_path;
  t.raw_events = true;
  t.raw_sample_every = options.sample_every;
  t.raw_ring_bytes = options.ring_bytes;
  t.read_cgroup_files = false;
  t.read_task_schedstat = false;
  std::string problems;
  t.log = [&problems](const std::string& line) {
    problems += (problems.empty() ? "" : "; ") + line;
  };
  telemetry::Telemetry telemetry = telemetry::Telemetry::open(layout, t);
  const telemetry::SourceStatus* raw = telemetry.status().find("bpf:raw");
  if (raw == nullptr || !raw->active) {
    return Error{"raw events cannot run: " + (raw != nullptr ? raw->detail : problems)};
  }
  auto writer = RawEventWriter::create(options.path, options.source);
  if (!writer.ok()) return writer.error();
  std::unique_ptr<RawEventRecorder> recorder(
      new RawEventRecorder(std::move(telemetry), std::move(*writer), options));
  recorder->thread_ = std::thread([r = recorder.get()] { r->run(); });
  return recorder;
}

RawEventRecorder::RawEventRecorder(telemetry::Telemetry telemetry, RawEventWriter writer,
                                   RawEventRecorderOptions options)
    : telemetry_(std::move(telemetry)),
      writer_(std::move(writer)),
      options_(std::move(options)),
      last_batch_(std::chrono::steady_clock::now()) {}

RawEventRecorder::~RawEventRecorder() {
  stop();
}

bool RawEventRecorder::drain_once(std::vector<RawEventRow>& pending, bool force_batch) {
  auto sample = telemetry_.drain();
  if (!sample.ok()) {
    summary_.error = sample.error().message;
    return false;
  }
  for (const telemetry::RawEvent& e : sample->raw_events) {
    pending.push_back(RawEventRow{e.time_ns, e.cgroup_id, e.value, e.aux, e.pid,
                                  static_cast<uint16_t>(e.kind), e.cpu});
  }
  const telemetry::RawEventCounters& c = sample->raw_counters;
  summary_.totals = RawEventTotals{c.seen, c.sampled, c.dropped};
  const auto now = std::chrono::steady_clock::now();
  if (force_batch || pending.size() >= options_.batch_rows ||
      now - last_batch_ >= options_.batch_age) {
    if (auto s = writer_.write(pending, summary_.totals); !s.ok()) {
      summary_.error = s.error().message;
      return false;
    }
    pending.clear();
    last_batch_ = now;
  }
  return true;
}

void RawEventRecorder::run() {
  std::vector<RawEventRow> pending;
  pending.reserve(options_.batch_rows * 2);
  while (!stop_.load()) {
    if (!drain_once(pending, false)) return;
    std::this_thread::sleep_for(options_.poll);
  }
  drain_once(pending, true);
}

RawEventRecorderSummary RawEventRecorder::stop() {
  if (stopped_) return summary_;
  stopped_ = true;
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (auto s = writer_.close(); !s.ok() && summary_.error.empty())
    summary_.error = s.error().message;
  summary_.rows = writer_.rows_written();
  summary_.bytes = writer_.bytes_written();
  return summary_;
}

}  // namespace dwae::record
