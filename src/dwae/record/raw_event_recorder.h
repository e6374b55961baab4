// RawEventRecorder: records this host's raw eBPF events (telemetry raw-event mode) to a
// raw-event Arrow stream (raw_event_schema.h) from a thread of its own, which drains the ring
// buffer every few milliseconds so that it keeps up with hundreds of thousands of events a
// second. What the ring could not hold is counted, not lost silently: the counters are in every
// batch and in the summary.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "dwae/common/result.h"
#include "dwae/hostfs/layout.h"
#include "dwae/record/raw_event_schema.h"
#include "dwae/telemetry/telemetry.h"

namespace dwae::record {

struct RawEventRecorderOptions {
  std::string path;
  std::string source = "host";
  uint32_t sample_every = 1;                 // 1: every event
  size_t ring_bytes = size_t{64} << 20;      // power of two
  std::chrono::milliseconds poll{5};         // ring drain interval
  size_t batch_rows = 65536;                 // rows per Arrow batch (at most)
  std::chrono::milliseconds batch_age{500};  // ... or a batch at least this often
  std::string kernel_btf_path = "/sys/kernel/btf/vmlinux";
};

struct RawEventRecorderSummary {
  uint64_t rows = 0;
  uint64_t bytes = 0;
  RawEventTotals totals;
  std::string error;  // the first failure, if any (recording stopped there)
  double drop_share() const {
    return totals.sampled == 0
               ? 0.0
               : static_cast<double>(totals.dropped) / static_cast<double>(totals.sampled);
  }
};

class RawEventRecorder {
 public:
  // Loads the eBPF collectors in raw-event mode (each class attributed as the layout says)
  // and starts recording. Fails if the file cannot be created or raw events cannot run.
  static Result<std::unique_ptr<RawEventRecorder>> start(const hostfs::CgroupLayout& layout,
                                                         const RawEventRecorderOptions& options);
  RawEventRecorder(const RawEventRecorder&) = delete;
  RawEventRecorder& operator=(const RawEventRecorder&) = delete;
  ~RawEventRecorder();

  // Drains what is left, closes the file and says what was recorded. Idempotent.
  RawEventRecorderSummary stop();

 private:
  RawEventRecorder(telemetry::Telemetry telemetry, RawEventWriter writer,
                   RawEventRecorderOptions options);
  void run();
  bool drain_once(std::vector<RawEventRow>& pending, bool force_batch);

  telemetry::Telemetry telemetry_;
  RawEventWriter writer_;
  RawEventRecorderOptions options_;
  RawEventRecorderSummary summary_;
  std::chrono::steady_clock::time_point last_batch_;
  std::atomic<bool> stop_{false};
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace dwae::record
