// Deterministic host samples that exercise every column (nulls, empty strings, extreme values)
// and field-by-field comparison for the recording tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dwae/host/host.h"
#include "dwae/record/sample_schema.h"

namespace dwae::record::test {

// Tick `tick` of a host with `workloads` workloads; every value depends on (tick, workload).
HostSample make_sample(uint64_t tick, size_t workloads);
std::vector<WorkloadInfo> make_infos(size_t workloads);

// Every field of `actual` equals `expected`; failures name the field.
void expect_same_sample(const HostSample& expected, const HostSample& actual);
void expect_same_infos(const std::vector<WorkloadInfo>& expected,
                       const std::vector<WorkloadInfo>& actual);

}  // namespace dwae::record::test
