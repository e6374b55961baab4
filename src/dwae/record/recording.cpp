// File handling around the Arrow stream encoder and decoder.
#include "dwae/record/recording.h"

#include <cerrno>
#include <utility>

namespace dwae::record {

Result<RecordingWriter> RecordingWriter::create(const std::string& path,
                                                const std::string& source) {
  auto file = StreamFile::create(path, "recording");
  if (!file.ok()) return file.error();
  RecordingWriter writer(std::move(*file));
  if (auto s = writer.file_.append(arrow::encode_schema(host_sample_schema(source))); !s.ok()) {
    return s.error();
  }
  return writer;
}

RecordingWriter::RecordingWriter(RecordingWriter&& other) noexcept = default;
RecordingWriter& RecordingWriter::operator=(RecordingWriter&& other) noexcept = default;
RecordingWriter::~RecordingWriter() = default;

Status RecordingWriter::write(const HostSample& sample, const std::vector<WorkloadInfo>& infos) {
  static const arrow::Schema kSchema = host_sample_schema();
  if (auto s = file_.append(arrow::encode_record_batch(kSchema, encode_tick(sample, infos)));
      !s.ok()) {
    return s;
  }
  ++ticks_;
  return {};
}

Status RecordingWriter::close() {
  return file_.close();
}

RecordingReader::RecordingReader(std::FILE* file, std::string path)
    : file_(file), path_(std::move(path)), stream_(std::make_unique<arrow::StreamReader>(file)) {}

RecordingReader::RecordingReader(RecordingReader&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      path_(std::move(other.path_)),
      stream_(std::move(other.stream_)),
      source_(std::move(other.source_)),
      ticks_(other.ticks_) {}

RecordingReader& RecordingReader::operator=(RecordingReader&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
    path_ = std::move(other.path_);
    stream_ = std::move(other.stream_);
    source_ = std::move(other.source_);
    ticks_ = other.ticks_;
  }
  return *this;
}

RecordingReader::~RecordingReader() {
  if (file_ != nullptr) std::fclose(file_);
}

Result<RecordingReader> RecordingReader::open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rbe");
  if (file == nullptr) return Error::from_errno("cannot open recording " + path, errno);
  RecordingReader reader(file, path);
  auto schema = reader.stream_->read_schema();
  if (!schema.ok()) return Error{path + ": " + schema.error().message};
  if (auto s = check_schema(*schema); !s.ok()) return Error{path + ": " + s.error().message};
  for (const auto& [k, v] : schema->metadata) {
    if (k == kSourceKey) reader.source_ = v;
  }
  return reader;
}

Result<std::optional<RecordedTick>> RecordingReader::next() {
  auto batch = stream_->next_batch();
  if (!batch.ok()) return Error{path_ + ": " + batch.error().message};
  if (!*batch) return std::optional<RecordedTick>{};
  auto tick = decode_tick(**batch);
  if (!tick.ok()) {
    return Error{path_ + ": tick " + std::to_string(ticks_) + ": " + tick.error().message};
  }
  ++ticks_;
  return std::optional<RecordedTick>{std::move(*tick)};
}

Result<std::vector<RecordedTick>> read_recording(const std::string& path) {
  auto reader = RecordingReader::open(path);
  if (!reader.ok()) return reader.error();
  std::vector<RecordedTick> ticks;
  for (;;) {
    auto tick = reader->next();
    if (!tick.ok()) return tick.error();
    if (!*tick) return ticks;
    ticks.push_back(std::move(**tick));
  }
}

}  // namespace dwae::record
