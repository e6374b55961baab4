// The raw-event recording: a second Arrow IPC stream, beside the sample recording, with one row
// per raw event (bpf/records.h struct dwae_raw_event) and the kernel's sampling and drop
// counters in each batch's custom metadata. docs/telemetry.md ("Raw events") documents it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/record/arrow_ipc.h"
#include "dwae/record/stream_file.h"

namespace dwae::record {

inline constexpr const char* kRawSchemaName = "raw_events";
inline constexpr const char* kRawSchemaVersion = "1";
// Batch metadata: the stream's counters when the batch was cut (cumulative since the start).
inline constexpr const char* kRawSeenKey = "dwae.raw_seen";
inline constexpr const char* kRawSampledKey = "dwae.raw_sampled";
inline constexpr const char* kRawDroppedKey = "dwae.raw_dropped";

// One event, as the kernel wrote it. kind: enum dwae_raw_kind (1 run_delay ... 12 exit).
struct RawEventRow {
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  uint64_t cgroup_id = 0;
  uint64_t value = 0;
  uint64_t aux = 0;
  uint32_t pid = 0;
  uint16_t kind = 0;
  uint16_t cpu = 0;
  bool operator==(const RawEventRow&) const = default;
};

// Counters of the raw-event stream: events that passed a hook, those chosen by the sampling,
// and those lost because the ring buffer was full.
struct RawEventTotals {
  uint64_t seen = 0;
  uint64_t sampled = 0;
  uint64_t dropped = 0;
  bool operator==(const RawEventTotals&) const = default;
};

arrow::Schema raw_event_schema(const std::string& source = "");
arrow::RecordBatch encode_raw_events(std::span<const RawEventRow> rows,
                                     const RawEventTotals& totals);
Result<std::vector<RawEventRow>> decode_raw_events(const arrow::RecordBatch& batch,
                                                   RawEventTotals* totals = nullptr);
// Checks the marker, the version and the columns.
Status check_raw_event_schema(const arrow::Schema& schema);

class RawEventWriter {
 public:
  static Result<RawEventWriter> create(const std::string& path, const std::string& source = "");
  RawEventWriter(RawEventWriter&&) noexcept;
  RawEventWriter& operator=(RawEventWriter&&) noexcept;
  RawEventWriter(const RawEventWriter&) = delete;
  RawEventWriter& operator=(const RawEventWriter&) = delete;
  ~RawEventWriter();

  // One batch (nothing is written for no rows and unchanged totals). A batch that cannot be
  // written whole leaves the file ending at the batch before it (see StreamFile).
  Status write(std::span<const RawEventRow> rows, const RawEventTotals& totals);
  Status close();  // end-of-stream marker

  uint64_t rows_written() const { return rows_; }
  uint64_t bytes_written() const { return file_.bytes(); }

 private:
  explicit RawEventWriter(StreamFile file) : file_(std::move(file)) {}

  StreamFile file_;
  uint64_t rows_ = 0;
  RawEventTotals last_totals_;
  bool wrote_batch_ = false;
};

struct RawEventRecording {
  std::string source;
  std::vector<RawEventRow> rows;
  RawEventTotals totals;  // of the last batch
  uint64_t batches = 0;
};

Result<RawEventRecording> read_raw_events(const std::string& path);

}  // namespace dwae::record
