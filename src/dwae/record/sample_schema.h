// The recording schema: one Arrow row per workload per tick, one record batch per tick, the
// host-wide values of the tick in the batch's custom metadata. docs/telemetry.md ("Recording")
// documents every column; a test keeps that list and host_sample_schema() in step.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/host/host.h"
#include "dwae/record/arrow_ipc.h"

namespace dwae::record {

// Schema metadata that marks a file as a DWAE host-sample recording.
inline constexpr const char* kSchemaKey = "dwae.schema";
inline constexpr const char* kSchemaName = "host_samples";
inline constexpr const char* kSchemaVersionKey = "dwae.schema_version";
inline constexpr const char* kSchemaVersion = "1";
// Free text naming what produced the recording ("host", "sim:<scenario>", ...).
inline constexpr const char* kSourceKey = "dwae.source";

// One tick as recorded: the sample and the static facts of each workload in it, in row order.
struct RecordedTick {
  HostSample sample;
  std::vector<WorkloadInfo> workloads;
};

// The schema; `source` goes into the schema metadata.
arrow::Schema host_sample_schema(const std::string& source = "");

// One batch per tick. Each workload's class, priority and targets come from the entry of
// `infos` with its name; a workload without one is recorded with an empty class, best-effort.
arrow::RecordBatch encode_tick(const HostSample& sample, const std::vector<WorkloadInfo>& infos);
// The inverse of encode_tick for a batch of host_sample_schema().
Result<RecordedTick> decode_tick(const arrow::RecordBatch& batch);

// Checks that `schema` is a recording this version reads: the marker, the version, and the
// columns of host_sample_schema() exactly.
Status check_schema(const arrow::Schema& schema);

// The kind whose to_string() name a recording's "class_kind" column holds.
Result<WorkloadClassKind> parse_class_kind(std::string_view name);

}  // namespace dwae::record
