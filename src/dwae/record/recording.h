// Recording files: host samples written as an Arrow IPC stream (schema in sample_schema.h), one
// record batch per tick, and read back tick by tick. Any Arrow implementation can read them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/host.h"
#include "dwae/record/arrow_ipc.h"
#include "dwae/record/sample_schema.h"
#include "dwae/record/stream_file.h"

namespace dwae::record {

class RecordingWriter {
 public:
  // Creates (or truncates) `path` and writes the schema. `source` names what is recorded
  // ("host", "sim:<scenario>") in the schema metadata.
  static Result<RecordingWriter> create(const std::string& path, const std::string& source = "");
  RecordingWriter(RecordingWriter&&) noexcept;
  RecordingWriter& operator=(RecordingWriter&&) noexcept;
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;
  // Closes without the end-of-stream marker if close() was not called: the file then reads
  // as cut short.
  ~RecordingWriter();

  // One tick; `infos` supplies each workload's class and targets (see encode_tick). Written
  // through to the file, so a crash loses at most the tick being written. When the tick cannot
  // be written whole (disk full), the file is cut back to the ticks before it and ended with
  // the end-of-stream marker if it fits, then closed (see StreamFile).
  Status write(const HostSample& sample, const std::vector<WorkloadInfo>& infos);
  // Writes the end-of-stream marker and closes the file.
  Status close();

  uint64_t ticks_written() const { return ticks_; }
  uint64_t bytes_written() const { return file_.bytes(); }

 private:
  explicit RecordingWriter(StreamFile file) : file_(std::move(file)) {}

  StreamFile file_;
  uint64_t ticks_ = 0;
};

class RecordingReader {
 public:
  // Opens `path` and checks that it is a recording this build reads.
  static Result<RecordingReader> open(const std::string& path);
  RecordingReader(RecordingReader&&) noexcept;
  RecordingReader& operator=(RecordingReader&&) noexcept;
  RecordingReader(const RecordingReader&) = delete;
  RecordingReader& operator=(const RecordingReader&) = delete;
  ~RecordingReader();

  // The next tick, or nullopt after the last one. Errors name the file and the byte offset.
  Result<std::optional<RecordedTick>> next();
  // The `dwae.source` schema metadata ("" when absent).
  const std::string& source() const { return source_; }
  uint64_t ticks_read() const { return ticks_; }

 private:
  RecordingReader(std::FILE* file, std::string path);

  std::FILE* file_ = nullptr;
  std::string path_;
  std::unique_ptr<arrow::StreamReader> stream_;
  std::string source_;
  uint64_t ticks_ = 0;
};

// Every tick of a recording.
Result<std::vector<RecordedTick>> read_recording(const std::string& path);

}  // namespace dwae::record
