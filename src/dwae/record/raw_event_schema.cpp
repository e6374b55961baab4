// The raw-event recording's schema, batch encoding and decoding, and its file writer and reader.
#include "dwae/record/raw_event_schema.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "dwae/record/sample_schema.h"

namespace dwae::record {

using arrow::ArrayData;
using arrow::DataType;
using arrow::Field;
using arrow::TypeId;

namespace {

DataType unsigned_int(int bits) {
  return DataType{TypeId::kInt, bits, false, 0};
}

// Every column in order, with a pointer to its member.
template <typename F>
void for_each_raw_column(F&& f) {
  f("time_ns", &RawEventRow::time_ns);
  f("cgroup_id", &RawEventRow::cgroup_id);
  f("kind", &RawEventRow::kind);
  f("pid", &RawEventRow::pid);
  f("cpu", &RawEventRow::cpu);
  f("value", &RawEventRow::value);
  f("aux", &RawEventRow::aux);
}

template <typename T>
ArrayData column_of(std::span<const RawEventRow> rows, T RawEventRow::*member) {
  ArrayData a;
  a.length = static_cast<int64_t>(rows.size());
  a.values.resize(rows.size() * sizeof(T));
  uint8_t* out = a.values.data();
  for (const RawEventRow& r : rows) {
    std::memcpy(out, &(r.*member), sizeof(T));
    out += sizeof(T);
  }
  return a;
}

Status parse_counter(const arrow::KeyValues& metadata, const char* key, uint64_t& out) {
  for (const auto& [k, v] : metadata) {
    if (k != key) continue;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || end != v.data() + v.size()) {
      return Error{std::string("batch metadata ") + key + " = '" + v + "' is not a number"};
    }
    return {};
  }
  return Error{std::string("batch metadata lacks ") + key};
}

}  // namespace

arrow::Schema raw_event_schema(const std::string& source) {
  arrow::Schema schema;
  for_each_raw_column([&]<typename T>(const char* name, T RawEventRow::*) {
    schema.fields.push_back(Field{name, unsigned_int(static_cast<int>(sizeof(T) * 8)), false, {}});
  });
  schema.metadata = {{kSchemaKey, kRawSchemaName}, {kSchemaVersionKey, kRawSchemaVersion}};
  if (!source.empty()) schema.metadata.emplace_back(kSourceKey, source);
  return schema;
}

arrow::RecordBatch encode_raw_events(std::span<const RawEventRow> rows,
                                     const RawEventTotals& totals) {
  arrow::RecordBatch batch;
  batch.length = static_cast<int64_t>(rows.size());
  for_each_raw_column([&]<typename T>(const char*, T RawEventRow::*member) {
    batch.columns.push_back(column_of(rows, member));
  });
  batch.metadata = {{kRawSeenKey, std::to_string(totals.seen)},
                    {kRawSampledKey, std::to_string(totals.sampled)},
                    {kRawDroppedKey, std::to_string(totals.dropped)}};
  return batch;
}

Result<std::vector<RawEventRow>> decode_raw_events(const arrow::RecordBatch& batch,
                                                   RawEventTotals* totals) {
  const auto n = static_cast<size_t>(batch.length);
  std::vector<RawEventRow> rows(n);
  size_t column = 0;
  std::string problem;
  for_each_raw_column([&]<typename T>(const char* name, T RawEventRow::*member) {
    if (!problem.empty()) return;
    if (column >= batch.columns.size()) {
      problem = std::string("batch lacks column ") + name;
      return;
    }
    const ArrayData& a = batch.columns[column++];
    if (a.length != batch.length || a.values.size() < n * sizeof(T) || a.null_count != 0) {
      problem = std::string("column ") + name + " has the wrong length or nulls";
      return;
    }
    for (size_t i = 0; i < n; ++i)
      std::memcpy(&(rows[i].*member), &a.values[i * sizeof(T)], sizeof(T));
  });
  if (!problem.empty()) return Error{problem};
  if (totals != nullptr) {
    for (const auto& [key, field] : {std::pair{kRawSeenKey, &RawEventTotals::seen},
                                     std::pair{kRawSampledKey, &RawEventTotals::sampled},
                                     std::pair{kRawDroppedKey, &RawEventTotals::dropped}}) {
      if (auto s = parse_counter(batch.metadata, key, totals->*field); !s.ok()) return s.error();
    }
  }
  return rows;
}

Status check_raw_event_schema(const arrow::Schema& schema) {
  std::string name;
  std::string version;
  for (const auto& [k, v] : schema.metadata) {
    if (k == kSchemaKey) name = v;
    if (k == kSchemaVersionKey) version = v;
  }
  if (name != kRawSchemaName) {
    return Error{"not a DWAE raw-event recording (schema metadata dwae.schema is '" + name + "')"};
  }
  if (version != kRawSchemaVersion) {
    return Error{"raw-event recording version '" + version + "', this build reads " +
                 kRawSchemaVersion};
  }
  if (schema.fields != raw_event_schema().fields) {
    return Error{"raw-event recording columns differ from this build's"};
  }
  return {};
}

Result<RawEventWriter> RawEventWriter::create(const std::string& path, const std::string& source) {
  auto file = StreamFile::create(path, "raw-event recording");
  if (!file.ok()) return file.error();
  RawEventWriter writer(std::move(*file));
  if (auto s = writer.file_.append(arrow::encode_schema(raw_event_schema(source))); !s.ok()) {
    return s.error();
  }
  return writer;
}

RawEventWriter::RawEventWriter(RawEventWriter&& other) noexcept = default;
RawEventWriter& RawEventWriter::operator=(RawEventWriter&& other) noexcept = default;
RawEventWriter::~RawEventWriter() = default;

Status RawEventWriter::write(std::span<const RawEventRow> rows, const RawEventTotals& totals) {
  if (rows.empty() && wrote_batch_ && totals == last_totals_) return {};
  static const arrow::Schema kSchema = raw_event_schema();
  if (auto s = file_.append(arrow::encode_record_batch(kSchema, encode_raw_events(rows, totals)));
      !s.ok()) {
    return s;
  }
  rows_ += rows.size();
  last_totals_ = totals;
  wrote_batch_ = true;
  return {};
}

Status RawEventWriter::close() {
  return file_.close();
}

Result<RawEventRecording> read_raw_events(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rbe");
  if (file == nullptr) return Error::from_errno("cannot open raw-event recording " + path, errno);
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, std::fclose);
  arrow::StreamReader reader(file);
  auto schema = reader.read_schema();
  if (!schema.ok()) return Error{path + ": " + schema.error().message};
  if (auto s = check_raw_event_schema(*schema); !s.ok()) {
    return Error{path + ": " + s.error().message};
  }
  RawEventRecording out;
  for (const auto& [k, v] : schema->metadata) {
    if (k == kSourceKey) out.source = v;
  }
  for (;;) {
    auto batch = reader.next_batch();
    if (!batch.ok()) return Error{path + ": " + batch.error().message};
    if (!*batch) return out;
    auto rows = decode_raw_events(**batch, &out.totals);
    if (!rows.ok()) {
      return Error{path + ": batch " + std::to_string(out.batches) + ": " + rows.error().message};
    }
    out.rows.insert(out.rows.end(), rows->begin(), rows->end());
    ++out.batches;
  }
}

}  // namespace dwae::record
