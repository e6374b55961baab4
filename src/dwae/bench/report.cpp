// Writes the report directory of a bench run and reads results.json back.
#include "dwae/bench/report.h"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "dwae/bench/results_json.h"
#include "dwae/common/file.h"

namespace dwae::bench {
namespace {

Status write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Error::from_errno("cannot write " + file.string(), errno);
  out << text;
  out.close();
  if (!out) return Error::from_errno("cannot write " + file.string(), errno);
  return Status::success();
}

std::string markdown(const BenchResults& results) {
  std::ostringstream md;
  md << "# dwae bench report\n\n";
  md << "- host: " << results.host << "\n";
  md << "- started: " << results.started_utc << "\n";
  md << "- runs: " << results.runs.size() << "\n";
  return md.str();
}

}  // namespace

Result<ReportFiles> write_report(const BenchResults& results,
                                 const std::filesystem::path& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Error{"cannot create " + out_dir.string() + ": " + ec.message(), ec.value()};
  ReportFiles files;
  files.json = out_dir / "results.json";
  files.markdown = out_dir / "report.md";
  if (auto st = write_file(files.json, results_to_json(results)); !st) return st.error();
  if (auto st = write_file(files.markdown, markdown(results)); !st) return st.error();
  return files;
}

Result<BenchResults> read_results_json(const std::filesystem::path& file) {
  auto text = read_file(file.string());
  if (!text) return text.error();
  auto parsed = results_from_json(*text);
  if (!parsed) return Error{file.string() + ": " + parsed.error().message};
  return parsed;
}

}  // namespace dwae::bench
