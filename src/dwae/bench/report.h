#pragma once
// The report of one `dwae bench` run: results.json (the full BenchResults, readable again),
// report.md (summary tables, goal verdicts, sim versus real) and SVG plots, all in one directory.
#include <filesystem>
#include <string>
#include <vector>

#include "dwae/bench/results.h"
#include "dwae/bench/sim_twin.h"
#include "dwae/common/result.h"

namespace dwae::bench {

struct ReportFiles {
  std::filesystem::path markdown, json;
  std::vector<std::filesystem::path> plots;
};

// Writes results.json, report.md and the plots (plots/*.svg) into out_dir (created when
// missing). The simulator twins are looked up in scenarios/bench/ under the working directory.
Result<ReportFiles> write_report(const BenchResults& results, const std::filesystem::path& out_dir);

struct ReportOptions {
  bool compare_with_simulator = true;
  SimTwinOptions sim;
};
Result<ReportFiles> write_report(const BenchResults& results, const std::filesystem::path& out_dir,
                                 const ReportOptions& options);

// report.md's text; plot links are relative to out_dir.
std::string render_markdown(const BenchResults& results,
                            const std::vector<std::filesystem::path>& plots,
                            const std::vector<ScenarioAgreement>& sim_vs_real);

// Reads a results.json written by write_report; errors name the file and what is wrong.
Result<BenchResults> read_results_json(const std::filesystem::path& file);

}  // namespace dwae::bench
