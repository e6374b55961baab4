#pragma once
// BenchResults as JSON: the results.json format, versioned, and parsed with errors that say
// which field is wrong. Pure text functions; reading and writing files is in report.cpp.
#include <string>
#include <string_view>

#include "dwae/bench/results.h"
#include "dwae/common/result.h"

namespace dwae::bench {

// Bumped whenever a field changes meaning or is removed; readers refuse other versions.
inline constexpr int kResultsFormatVersion = 1;

std::string results_to_json(const BenchResults& results);
Result<BenchResults> results_from_json(std::string_view text);

}  // namespace dwae::bench
