// The column list exists once, in for_each_column(): the schema, the encoder and the decoder
// all walk it, with one overload per C++ type deciding the Arrow type, so they cannot drift.
#include "dwae/record/sample_schema.h"

#include <charconv>
#include <cstring>
#include <map>
#include <type_traits>

namespace dwae::record {

using arrow::ArrayData;
using arrow::DataType;
using arrow::Field;
using arrow::TypeId;

namespace {

// The per-row values that do not live in a WorkloadSample.
struct RowIdentity {
  int64_t time_ns = 0;
  std::string class_name;
  std::string class_kind;
  int32_t priority = 0;
  uint32_t numa_node = 0;
  uint32_t llc_domain = 0;
  std::optional<int64_t> p99_target_ns;
  std::optional<double> throughput_cv_target;
};

// Every column in order. `Id` and `Sample` are const for encoding and mutable for decoding.
template <typename Id, typename Sample, typename F>
void for_each_column(Id& id, Sample& w, F&& f) {
  f("time_ns", id.time_ns);
  f("workload", w.name);
  f("class", id.class_name);
  f("class_kind", id.class_kind);
  f("priority", id.priority);
  f("numa_node", id.numa_node);
  f("llc_domain", id.llc_domain);
  f("p99_target_ns", id.p99_target_ns);
  f("throughput_cv_target", id.throughput_cv_target);
  // CPU
  f("cpu_usage_ns", w.cpu_usage_ns);
  f("nr_periods", w.nr_periods);
  f("nr_throttled", w.nr_throttled);
  f("throttled_ns", w.throttled_ns);
  f("has_runq_delay", w.has_runq_delay);
  f("runq_delay_ns_buckets", w.runq_delay_ns);
  f("runq_delay_total_ns", w.runq_delay_total_ns);
  // Pressure
  f("has_psi", w.has_psi);
  f("psi_cpu_some_us", w.psi.cpu_some_us);
  f("psi_cpu_full_us", w.psi.cpu_full_us);
  f("psi_memory_some_us", w.psi.memory_some_us);
  f("psi_memory_full_us", w.psi.memory_full_us);
  f("psi_io_some_us", w.psi.io_some_us);
  f("psi_io_full_us", w.psi.io_full_us);
  // Memory
  f("memory_current_bytes", w.memory_current_bytes);
  f("memory_high_events", w.memory_high_events);
  f("reclaim_stall_ns", w.reclaim_stall_ns);
  f("pgfault", w.pgfault);
  f("pgmajfault", w.pgmajfault);
  f("oom_kills", w.oom_kills);
  f("remote_memory_accesses", w.remote_memory_accesses);
  f("local_memory_accesses", w.local_memory_accesses);
  // Block I/O
  f("io_latency_ns_buckets", w.io_latency_ns);
  f("io_seq_read_bytes", w.io.seq_read_bytes);
  f("io_seq_write_bytes", w.io.seq_write_bytes);
  f("io_rand_read_bytes", w.io.rand_read_bytes);
  f("io_rand_write_bytes", w.io.rand_write_bytes);
  f("io_seq_read_ios", w.io.seq_read_ios);
  f("io_seq_write_ios", w.io.seq_write_ios);
  f("io_rand_read_ios", w.io.rand_read_ios);
  f("io_rand_write_ios", w.io.rand_write_ios);
  f("io_metadata_ios", w.io.metadata_ios);
  // Network
  f("net_rx_bytes", w.net_rx_bytes);
  f("net_tx_bytes", w.net_tx_bytes);
  f("net_queue_depth", w.net_queue_depth);
  f("net_drops", w.net_drops);
  f("net_retransmits", w.net_retransmits);
  // Service quality
  f("has_requests", w.has_requests);
  f("request_latency_ns_buckets", w.request_latency_ns);
  f("requests_completed", w.requests_completed);
  f("frames_total", w.frames_total);
  f("frames_missed", w.frames_missed);
  f("top_process_cpu_share", w.top_process_cpu_share);
  // Applied settings (null: not known / left as it is)
  f("applied_cpu_weight", w.applied.cpu_weight);
  f("applied_cpu_quota_us", w.applied.cpu_quota_us);
  f("applied_cpu_period_us", w.applied.cpu_period_us);
  f("applied_cpu_burst_us", w.applied.cpu_burst_us);
  f("applied_cpu_idle", w.applied.cpu_idle);
  f("applied_cpuset_cpus", w.applied.cpuset_cpus);
  f("applied_cpuset_mems", w.applied.cpuset_mems);
  f("applied_memory_min_bytes", w.applied.memory_min_bytes);
  f("applied_memory_low_bytes", w.applied.memory_low_bytes);
  f("applied_memory_high_bytes", w.applied.memory_high_bytes);
  f("applied_memory_max_bytes", w.applied.memory_max_bytes);
  f("applied_io_weight", w.applied.io_weight);
  f("applied_io_limits", w.applied.io_limits);
  f("applied_net_share", w.applied.net_share);
}

// --- Arrow types of C++ types ---------------------------------------------------------------

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

Field leaf(const char* name, TypeId id, bool nullable = false) {
  Field f;
  f.name = name;
  f.type.id = id;
  f.nullable = nullable;
  return f;
}

Field int_field(const char* name, int bits, bool is_signed) {
  Field f = leaf(name, TypeId::kInt);
  f.type.bit_width = bits;
  f.type.is_signed = is_signed;
  return f;
}

template <typename T>
Field field_of(const char* name) {
  if constexpr (IsOptional<T>::value) {
    Field f = field_of<typename T::value_type>(name);
    f.nullable = true;
    return f;
  } else if constexpr (std::is_same_v<T, bool>) {
    return leaf(name, TypeId::kBool);
  } else if constexpr (std::is_integral_v<T>) {
    return int_field(name, static_cast<int>(sizeof(T) * 8), std::is_signed_v<T>);
  } else if constexpr (std::is_same_v<T, double>) {
    return leaf(name, TypeId::kFloat64);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return leaf(name, TypeId::kUtf8);
  } else if constexpr (std::is_same_v<T, Log2Histogram>) {
    Field f = leaf(name, TypeId::kFixedSizeList);
    f.type.list_size = static_cast<int32_t>(Log2Histogram::kBuckets);
    f.children.push_back(int_field("bucket", 64, false));
    return f;
  } else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
    Field f = leaf(name, TypeId::kList);
    f.children.push_back(int_field("item", 32, false));
    return f;
  } else {
    static_assert(std::is_same_v<T, std::vector<IoDeviceLimit>>);
    Field item = leaf("item", TypeId::kStruct);
    item.children = {int_field("major", 32, false), int_field("minor", 32, false),
                     int_field("rbps", 64, false),  int_field("wbps", 64, false),
                     int_field("riops", 64, false), int_field("wiops", 64, false)};
    Field f = leaf(name, TypeId::kList);
    f.children.push_back(std::move(item));
    return f;
  }
}

ArrayData empty_array(const Field& field) {
  ArrayData a;
  if (field.type.id == TypeId::kUtf8 || field.type.id == TypeId::kList) a.offsets = {0};
  for (const auto& c : field.children) a.children.push_back(empty_array(c));
  return a;
}

// --- Encoding ---------------------------------------------------------------------------------

void append_validity(ArrayData& a, bool valid) {
  const auto bit = static_cast<unsigned>(a.length % 8);
  if (bit == 0) a.validity.push_back(0);
  if (valid) {
    a.validity.back() = static_cast<uint8_t>(a.validity.back() | (1U << bit));
  } else {
    ++a.null_count;
  }
  ++a.length;
}

template <typename T>
void append_bytes(ArrayData& a, const T& value) {
  const size_t at = a.values.size();
  a.values.resize(at + sizeof(T));
  std::memcpy(a.values.data() + at, &value, sizeof(T));
}

void append(ArrayData& a, const IoDeviceLimit& limit);

template <typename T>
void append(ArrayData& a, const T& value) {
  if constexpr (IsOptional<T>::value) {
    if (value) {
      append(a, *value);
    } else {
      append(a, typename T::value_type{});  // a placeholder slot, then marked null
      a.validity.back() = static_cast<uint8_t>(a.validity.back() &
                                               ~(1U << static_cast<unsigned>((a.length - 1) % 8)));
      ++a.null_count;
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    const int64_t index = a.length;
    append_validity(a, true);
    if (index % 8 == 0) a.values.push_back(0);
    if (value) {
      a.values.back() =
          static_cast<uint8_t>(a.values.back() | (1U << static_cast<unsigned>(index % 8)));
    }
  } else if constexpr (std::is_arithmetic_v<T>) {
    append_validity(a, true);
    append_bytes(a, value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    append_validity(a, true);
    a.values.insert(a.values.end(), value.begin(), value.end());
    a.offsets.push_back(static_cast<int32_t>(a.values.size()));
  } else if constexpr (std::is_same_v<T, Log2Histogram>) {
    append_validity(a, true);
    for (const uint64_t count : value.buckets) append(a.children[0], count);
  } else {  // a vector: List<item>
    append_validity(a, true);
    for (const auto& item : value) append(a.children[0], item);
    a.offsets.push_back(static_cast<int32_t>(a.children[0].length));
  }
}

void append(ArrayData& a, const IoDeviceLimit& limit) {
  append_validity(a, true);
  append(a.children[0], limit.major);
  append(a.children[1], limit.minor);
  append(a.children[2], limit.rbps);
  append(a.children[3], limit.wbps);
  append(a.children[4], limit.riops);
  append(a.children[5], limit.wiops);
}

// --- Decoding ---------------------------------------------------------------------------------

void read(const ArrayData& a, int64_t i, IoDeviceLimit& out);

template <typename T>
void read(const ArrayData& a, int64_t i, T& out) {
  if constexpr (IsOptional<T>::value) {
    if (!a.is_valid(i)) {
      out.reset();
    } else {
      typename T::value_type value{};
      read(a, i, value);
      out = std::move(value);
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    out = (a.values[static_cast<size_t>(i / 8)] >> static_cast<unsigned>(i % 8) & 1U) != 0;
  } else if constexpr (std::is_arithmetic_v<T>) {
    std::memcpy(&out, a.values.data() + static_cast<size_t>(i) * sizeof(T), sizeof(T));
  } else if constexpr (std::is_same_v<T, std::string>) {
    const auto begin = static_cast<size_t>(a.offsets[static_cast<size_t>(i)]);
    const auto end = static_cast<size_t>(a.offsets[static_cast<size_t>(i) + 1]);
    out.assign(reinterpret_cast<const char*>(a.values.data()) + begin, end - begin);
  } else if constexpr (std::is_same_v<T, Log2Histogram>) {
    const auto first = static_cast<int64_t>(i * static_cast<int64_t>(Log2Histogram::kBuckets));
    for (size_t b = 0; b < Log2Histogram::kBuckets; ++b) {
      read(a.children[0], first + static_cast<int64_t>(b), out.buckets[b]);
    }
  } else {  // a vector
    const auto begin = a.offsets[static_cast<size_t>(i)];
    const auto end = a.offsets[static_cast<size_t>(i) + 1];
    out.resize(static_cast<size_t>(end - begin));
    for (int32_t j = begin; j < end; ++j)
      read(a.children[0], j, out[static_cast<size_t>(j - begin)]);
  }
}

void read(const ArrayData& a, int64_t i, IoDeviceLimit& out) {
  read(a.children[0], i, out.major);
  read(a.children[1], i, out.minor);
  read(a.children[2], i, out.rbps);
  read(a.children[3], i, out.wbps);
  read(a.children[4], i, out.riops);
  read(a.children[5], i, out.wiops);
}

// --- Tick metadata ----------------------------------------------------------------------------

constexpr const char* kAtKey = "dwae.at_ns";
constexpr const char* kCpusKey = "dwae.cpus";
constexpr const char* kMemoryKey = "dwae.memory_total_bytes";

template <typename P, typename F>
void for_each_host_value(P& sample, F&& f) {
  f(kCpusKey, sample.cpus);
  f(kMemoryKey, sample.memory_total_bytes);
  f("dwae.psi_cpu_some_us", sample.psi.cpu_some_us);
  f("dwae.psi_cpu_full_us", sample.psi.cpu_full_us);
  f("dwae.psi_memory_some_us", sample.psi.memory_some_us);
  f("dwae.psi_memory_full_us", sample.psi.memory_full_us);
  f("dwae.psi_io_some_us", sample.psi.io_some_us);
  f("dwae.psi_io_full_us", sample.psi.io_full_us);
}

template <typename T>
Status parse_metadata(const arrow::KeyValues& metadata, const char* key, T& out) {
  for (const auto& [k, v] : metadata) {
    if (k != key) continue;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || end != v.data() + v.size()) {
      return Error{std::string("batch metadata ") + key + " = '" + v + "' is not a number"};
    }
    return {};
  }
  return Error{std::string("batch metadata lacks ") + key};
}

}  // namespace

Result<WorkloadClassKind> parse_class_kind(std::string_view name) {
  for (const auto kind : {WorkloadClassKind::kLatencySensitive, WorkloadClassKind::kThroughput,
                          WorkloadClassKind::kBestEffort}) {
    if (name == to_string(kind)) return kind;
  }
  return Error{"unknown class kind '" + std::string(name) + "'"};
}

arrow::Schema host_sample_schema(const std::string& source) {
  arrow::Schema schema;
  const RowIdentity id;
  const WorkloadSample w;
  for_each_column(id, w, [&](const char* name, const auto& value) {
    schema.fields.push_back(field_of<std::decay_t<decltype(value)>>(name));
  });
  schema.metadata = {{kSchemaKey, kSchemaName}, {kSchemaVersionKey, kSchemaVersion}};
  if (!source.empty()) schema.metadata.emplace_back(kSourceKey, source);
  return schema;
}

Status check_schema(const arrow::Schema& schema) {
  std::string name, version;
  for (const auto& [k, v] : schema.metadata) {
    if (k == kSchemaKey) name = v;
    if (k == kSchemaVersionKey) version = v;
  }
  if (name != kSchemaName) {
    return Error{"not a DWAE host-sample recording (schema metadata dwae.schema is '" + name +
                 "', expected '" + kSchemaName + "')"};
  }
  if (version != kSchemaVersion) {
    return Error{"recording schema version '" + version + "' is not supported (this build reads " +
                 kSchemaVersion + ")"};
  }
  const arrow::Schema expected = host_sample_schema();
  if (schema.fields.size() != expected.fields.size()) {
    return Error{"recording has " + std::to_string(schema.fields.size()) + " columns, expected " +
                 std::to_string(expected.fields.size())};
  }
  for (size_t i = 0; i < expected.fields.size(); ++i) {
    if (!(schema.fields[i] == expected.fields[i])) {
      return Error{"column " + std::to_string(i) + " is '" + schema.fields[i].name +
                   "' with another type or nullability than the expected '" +
                   expected.fields[i].name + "'"};
    }
  }
  return {};
}

arrow::RecordBatch encode_tick(const HostSample& sample, const std::vector<WorkloadInfo>& infos) {
  const arrow::Schema schema = host_sample_schema();
  arrow::RecordBatch batch;
  batch.length = static_cast<int64_t>(sample.workloads.size());
  batch.columns.reserve(schema.fields.size());
  for (const auto& f : schema.fields) batch.columns.push_back(empty_array(f));

  std::map<std::string_view, const WorkloadInfo*> info_by_name;
  for (const auto& info : infos) info_by_name.emplace(info.name, &info);
  for (const auto& w : sample.workloads) {
    RowIdentity id;
    id.time_ns = sample.at.count();
    id.class_kind = to_string(WorkloadClassKind::kBestEffort);
    if (const auto it = info_by_name.find(w.name); it != info_by_name.end()) {
      const WorkloadInfo& info = *it->second;
      id.class_name = info.class_name;
      id.class_kind = to_string(info.class_kind);
      id.priority = info.priority;
      id.numa_node = info.numa_node;
      id.llc_domain = info.llc_domain;
      if (info.p99_target) id.p99_target_ns = info.p99_target->count();
      id.throughput_cv_target = info.throughput_cv_target;
    }
    size_t column = 0;
    for_each_column(std::as_const(id), w, [&](const char* /*name*/, const auto& value) {
      append(batch.columns[column++], value);
    });
  }

  batch.metadata.emplace_back(kAtKey, std::to_string(sample.at.count()));
  for_each_host_value(sample, [&](const char* key, const auto& value) {
    batch.metadata.emplace_back(key, std::to_string(value));
  });
  return batch;
}

Result<RecordedTick> decode_tick(const arrow::RecordBatch& batch) {
  RecordedTick tick;
  int64_t at_ns = 0;
  if (auto s = parse_metadata(batch.metadata, kAtKey, at_ns); !s.ok()) return s.error();
  tick.sample.at = Nanos{at_ns};
  Status status;
  for_each_host_value(tick.sample, [&](const char* key, auto& value) {
    if (status.ok()) status = parse_metadata(batch.metadata, key, value);
  });
  if (!status.ok()) return status.error();

  tick.sample.workloads.resize(static_cast<size_t>(batch.length));
  tick.workloads.resize(static_cast<size_t>(batch.length));
  for (int64_t row = 0; row < batch.length; ++row) {
    RowIdentity id;
    WorkloadSample& w = tick.sample.workloads[static_cast<size_t>(row)];
    size_t column = 0;
    for_each_column(id, w, [&](const char* /*name*/, auto& value) {
      read(batch.columns[column++], row, value);
    });
    if (id.time_ns != at_ns) {
      return Error{"row " + std::to_string(row) + " has time_ns " + std::to_string(id.time_ns) +
                   ", its batch " + std::to_string(at_ns)};
    }
    auto kind = parse_class_kind(id.class_kind);
    if (!kind.ok()) return Error{"row " + std::to_string(row) + ": " + kind.error().message};
    WorkloadInfo& info = tick.workloads[static_cast<size_t>(row)];
    info.name = w.name;
    info.class_name = std::move(id.class_name);
    info.class_kind = *kind;
    info.priority = id.priority;
    info.numa_node = id.numa_node;
    info.llc_domain = id.llc_domain;
    if (id.p99_target_ns) info.p99_target = Nanos{*id.p99_target_ns};
    info.throughput_cv_target = id.throughput_cv_target;
  }
  return tick;
}

}  // namespace dwae::record
