#pragma once
// The report of one `dwae bench` run: results.json (the full BenchResults, readable again),
// report.md (summary tables, goal verdicts, sim versus real) and SVG plots, all in one directory.
#include <filesystem>
#include <vector>

#include "dwae/bench/results.h"
#include "dwae/common/result.h"

namespace dwae::bench {

struct ReportFiles {
  std::filesystem::path markdown, json;
  std::vector<std::filesystem::path> plots;
};

// Writes results.json, report.md and the plots into out_dir (created when missing).
Result<ReportFiles> write_report(const BenchResults& results, const std::filesystem::path& out_dir);

// Reads a results.json written by write_report; errors name the file and what is wrong.
Result<BenchResults> read_results_json(const std::filesystem::path& file);

}  // namespace dwae::bench
