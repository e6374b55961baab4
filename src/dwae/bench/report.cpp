// Writes the report directory of a bench run and reads results.json back. The Markdown is made
// to be pasted into docs: one summary table, the goal verdicts in words, per-scenario detail,
// the plots and the simulator comparison.
#include "dwae/bench/report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>

#include "dwae/bench/parsers.h"
#include "dwae/bench/plots.h"
#include "dwae/bench/results_json.h"
#include "dwae/bench/summary.h"
#include "dwae/common/file.h"

namespace dwae::bench {
namespace {

// The scenario the goal is stated for (1:4 oversubscription).
constexpr const char* kGoalScenario = "steady-1to4";

Status write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Error::from_errno("cannot write " + file.string(), errno);
  out << text;
  out.close();
  if (!out) return Error::from_errno("cannot write " + file.string(), errno);
  return Status::success();
}

// File-name safe: letters, digits, '-', '_' and '.'; anything else becomes '_'.
std::string file_part(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    out += safe ? c : '_';
  }
  return out.empty() ? "_" : out;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string ratio(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return "no answer";
  return fixed(v, v < 10 ? 2 : 1) + "x";
}

std::string ratio(const Spread& s) {
  if (s.empty()) return "n/a";
  std::string out = ratio(s.mean);
  if (s.n > 1 && s.max > s.min && std::isfinite(s.mean))
    out += " (" + fixed(s.min, 2) + "-" + fixed(s.max, 2) + ")";
  return out;
}

std::string percent(const Spread& s) {
  if (s.empty() || !std::isfinite(s.mean)) return "n/a";
  std::string out = fixed(s.mean * 100, 0) + " %";
  if (s.n > 1 && s.max > s.min)
    out += " (" + fixed(s.min * 100, 0) + "-" + fixed(s.max * 100, 0) + ")";
  return out;
}

std::string percent(double v) {
  return std::isfinite(v) ? fixed(v * 100, 0) + " %" : "n/a";
}

std::string score(const Spread& s) {
  if (s.empty() || !std::isfinite(s.mean)) return "n/a";
  std::string out = fixed(s.mean, 2);
  if (s.n > 1) out += " ± " + fixed(s.stddev, 2);
  return out;
}

std::string milliseconds(double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0) return "n/a";
  return fixed(seconds * 1e3, seconds < 0.01 ? 3 : 2) + " ms";
}

std::string amount(double v) {
  if (!std::isfinite(v)) return "n/a";
  return v >= 100 ? fixed(v, 0) : fixed(v, v >= 10 ? 1 : 3);
}

std::string goal_cell(const GoalVerdict& g) {
  if (!g.known) return "n/a";
  if (!g.met) return "missed";
  return g.met_every_repetition ? "**met**" : "met on the mean";
}

bool is_dwae(Controller c) {
  return c == Controller::rule || c == Controller::feedback || c == Controller::ppo;
}

std::string md_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string link(const std::filesystem::path& plot) {
  const std::string p = plot.generic_string();
  return "[" + plot.stem().string() + "](" + p + ")";
}

void goal_section(std::ostringstream& md, const BenchResults& results, const Summary& summary) {
  md << "## Goal\n\n";
  md << "Latency-sensitive P99 at most " << ratio(kGoalP99Ratio)
     << " its value alone on the host, with best-effort work conservation at least "
     << fixed(kGoalWorkConservation * 100, 0) + " %"
     << ". The issue sets it at 1:4 oversubscription (" << kGoalScenario
     << "); the same bar is applied to every scenario below. \"met\" is on the means over "
        "repetitions, **met** in every repetition.\n\n";
  md << "| scenario |";
  for (Controller c : results.controllers) md << " " << to_string(c) << " |";
  md << "\n|---|";
  for (std::size_t i = 0; i < results.controllers.size(); ++i) md << "---|";
  md << "\n";
  for (const auto& s : summary.scenarios) {
    md << "| " << s.scenario << (s.scenario == kGoalScenario ? " (goal)" : "") << " |";
    for (const auto& c : s.controllers) md << " " << goal_cell(c.goal) << " |";
    md << "\n";
  }
  for (const auto& s : summary.scenarios) {
    if (s.scenario != kGoalScenario) continue;
    std::string met, missed;
    for (const auto& c : s.controllers) {
      if (!c.goal.known) continue;
      std::string& list = c.goal.met ? met : missed;
      list += (list.empty() ? "" : ", ") + std::string(to_string(c.controller));
    }
    md << "\nAt 1:4 oversubscription (" << kGoalScenario << "): met by "
       << (met.empty() ? "no controller" : met) << "; missed by "
       << (missed.empty() ? "no controller" : missed) << ".\n";
  }
  bool noted = false;
  for (const auto& s : summary.scenarios) {
    for (const auto& p : s.problems) {
      md << (noted ? "" : "\n") << "- note on " << s.scenario << ": " << md_escape(p) << "\n";
      noted = true;
    }
  }
  md << "\n### Where DWAE meets the goal and where it does not\n\n";
  bool any = false;
  for (const auto& s : summary.scenarios) {
    const ControllerSummary* none = s.find(Controller::none);
    const ControllerSummary* best = s.find(Controller::static_best);
    for (const auto& c : s.controllers) {
      if (!is_dwae(c.controller) || c.repetitions == 0) continue;
      any = true;
      md << "- **" << s.scenario << "**, " << to_string(c.controller) << ": ";
      if (!c.goal.known) {
        md << "no verdict (" << c.goal.why << ")";
      } else if (c.goal.met) {
        md << "meets the goal"
           << (c.goal.met_every_repetition ? " in every repetition"
                                           : " on the mean, not in every repetition")
           << " (" << c.goal.why << ")";
      } else {
        md << "does not meet the goal (" << c.goal.why << ")";
      }
      md << "; isolation score " << score(c.isolation_score);
      for (const ControllerSummary* reference : {none, best}) {
        if (reference == nullptr) continue;
        const std::string name(to_string(reference->controller));
        const Comparison cmp = compare_scores(c.isolation_score, reference->isolation_score);
        // A score missing on either side (no alone value or no `none` throughput) leaves
        // nothing to compare.
        md << (cmp == Comparison::unknown ? ", no comparison with " + name + " (no score)"
                                          : ", against " + name + ": " + to_string(cmp));
      }
      md << ".\n";
    }
  }
  if (!any) md << "No DWAE controller (rule, feedback, ppo) ran.\n";
  md << "\n";
}

void summary_table(std::ostringstream& md, const Summary& summary) {
  md << "## Results\n\n";
  md << "Mean over repetitions, (min-max) or ± standard deviation. Latency is the worst "
        "latency-sensitive service's P99 as a multiple of its P99 alone; work conservation is "
        "best-effort throughput as a share of its throughput under none.\n\n";
  md << "| scenario | controller | runs | P99 / alone | work conservation | isolation score | goal "
        "|\n|---|---|---|---|---|---|---|\n";
  for (const auto& s : summary.scenarios) {
    for (const auto& c : s.controllers) {
      md << "| " << s.scenario << " | " << to_string(c.controller) << " | " << c.repetitions
         << " | " << ratio(c.worst_p99_ratio) << " | " << percent(c.work_conservation) << " | "
         << score(c.isolation_score) << " | " << goal_cell(c.goal) << " |\n";
    }
  }
  md << "\n";
}

// Saturates: counts read from a file may be as large as uint64_t goes, and a wrapped sum would
// report almost no errors.
uint64_t add_count(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

void add_errors(RequestErrors& total, const RequestErrors& more) {
  total.connect = add_count(total.connect, more.connect);
  total.read = add_count(total.read, more.read);
  total.write = add_count(total.write, more.write);
  total.status = add_count(total.status, more.status);
  total.timeout = add_count(total.timeout, more.timeout);
}

// "6 read errors, 30 answers with HTTP status >= 400, 4 timeouts": the kinds that occurred.
std::string error_counts(const RequestErrors& e) {
  struct Kind {
    uint64_t count;
    const char* one;
    const char* many;
  };
  const Kind kinds[] = {
      {e.connect, "connect error", "connect errors"},
      {e.read, "read error", "read errors"},
      {e.write, "write error", "write errors"},
      {e.status, "answer with HTTP status >= 400", "answers with HTTP status >= 400"},
      {e.timeout, "timeout", "timeouts"}};
  std::string out;
  for (const auto& k : kinds) {
    if (k.count == 0) continue;
    out +=
        (out.empty() ? "" : ", ") + std::to_string(k.count) + " " + (k.count == 1 ? k.one : k.many);
  }
  return out;
}

// The failed requests of a scenario's services, alone and per controller, summed over the
// repetitions; nothing when there were none. They are not in the tables' ratios except as
// latencies (timeouts, answers with an error status), so without this a run that lost requests
// could look like a clean one.
void request_errors(std::ostringstream& md, const BenchResults& results,
                    const std::string& scenario) {
  std::vector<std::string> lines;
  for (const auto& alone : results.alone) {
    if (alone.scenario != scenario) continue;
    for (const auto& svc : alone.services) {
      if (svc.errors.any()) lines.push_back(svc.name + " alone: " + error_counts(svc.errors));
    }
  }
  for (Controller c : results.controllers) {
    struct ServiceErrors {
      std::string name;
      RequestErrors total;
      int runs_with_errors = 0;
    };
    std::vector<ServiceErrors> services;
    int runs = 0;
    for (const auto& run : results.runs) {
      if (run.scenario != scenario || run.controller != c) continue;
      ++runs;
      for (const auto& svc : run.services) {
        auto it = std::find_if(services.begin(), services.end(),
                               [&](const ServiceErrors& s) { return s.name == svc.name; });
        if (it == services.end()) it = services.insert(services.end(), {svc.name, {}, 0});
        add_errors(it->total, svc.errors);
        if (svc.errors.any()) ++it->runs_with_errors;
      }
    }
    for (const auto& svc : services) {
      if (!svc.total.any()) continue;
      lines.push_back(svc.name + " under " + std::string(to_string(c)) + ": " +
                      error_counts(svc.total) + " (in " + std::to_string(svc.runs_with_errors) +
                      " of " + std::to_string(runs) + " run" + (runs == 1 ? "" : "s") + ")");
    }
  }
  if (lines.empty()) return;
  md << "Failed requests (wrk's counts, summed over the runs; a timeout counts in the latencies "
        "above as a request that took "
     << kWrkTimeoutS << " s):\n\n";
  for (const auto& line : lines) md << "- " << line << "\n";
  md << "\n";
}

void scenario_details(std::ostringstream& md, const BenchResults& results, const Summary& summary,
                      const std::vector<std::filesystem::path>& plots) {
  for (const auto& s : summary.scenarios) {
    md << "### " << s.scenario << "\n\n";
    for (const auto& p : s.problems) md << "- problem: " << md_escape(p) << "\n";
    if (!s.problems.empty()) md << "\n";
    if (s.controllers.empty()) continue;
    const ControllerSummary& first = s.controllers.front();
    for (const auto& svc : first.services) {
      md << "- " << svc.name << " alone: P50 " << milliseconds(svc.alone_p50_s) << ", P99 "
         << milliseconds(svc.alone_p99_s) << ", P99.9 " << milliseconds(svc.alone_p999_s) << "\n";
    }
    md << "\n| controller |";
    for (const auto& svc : first.services) {
      md << " " << svc.name << " P50 | " << svc.name << " P99 | " << svc.name << " P99.9 | "
         << svc.name << " P99 ms |";
    }
    for (const auto& be : first.best_effort) {
      md << " " << be.name << " " << md_escape(be.unit) << " | " << be.name << " conserved |";
    }
    md << " score |\n|---|";
    for (std::size_t i = 0; i < first.services.size() * 4 + first.best_effort.size() * 2 + 1; ++i) {
      md << "---|";
    }
    md << "\n";
    for (const auto& c : s.controllers) {
      md << "| " << to_string(c.controller) << " |";
      for (const auto& svc : c.services) {
        md << " " << ratio(svc.p50_ratio) << " | " << ratio(svc.p99_ratio) << " | "
           << ratio(svc.p999_ratio) << " | "
           << (svc.p99_s.empty() ? "n/a" : fixed(svc.p99_s.mean * 1e3, 3)) << " |";
      }
      for (const auto& be : c.best_effort) {
        md << " " << (be.work_per_s.empty() ? "n/a" : amount(be.work_per_s.mean)) << " | "
           << percent(be.work_conservation) << " |";
      }
      md << " " << score(c.isolation_score) << " |\n";
    }
    md << "\n";
    request_errors(md, results, s.scenario);
    const std::string prefix = file_part(s.scenario) + "-";
    std::vector<std::string> links;
    for (const auto& p : plots) {
      const std::string stem = p.stem().string();
      if (stem.rfind("cdf-" + prefix, 0) == 0 || stem.rfind("settings-" + prefix, 0) == 0) {
        links.push_back(link(p));
      }
    }
    if (!links.empty()) {
      md << "Plots:";
      for (const auto& l : links) md << " " << l;
      md << "\n\n";
    }
  }
}

void sim_section(std::ostringstream& md, const std::vector<ScenarioAgreement>& agreements) {
  if (agreements.empty()) return;
  md << "## Simulator versus real\n\n";
  md << "Each scenario's simulator twin (scenarios/bench/) runs alone and under the matching "
        "policies (none: static with default weights; static-best: static with best-effort at "
        "minimum weight and cpu.idle; rule, feedback, ppo). Compared is the worst P99 ratio to "
        "alone: its direction against none (lower, flat within 10 %, higher) on each side, and "
        "Kendall's tau between the two rankings of the controllers.\n\n";
  md << "| scenario | verdict | agreeing | rank tau |\n|---|---|---|---|\n";
  for (const auto& a : agreements) {
    md << "| " << a.scenario << " | " << a.verdict << " | " << a.agreeing << " of " << a.judged
       << " | " << (std::isfinite(a.rank_tau) ? fixed(a.rank_tau, 2) : "n/a") << " |\n";
  }
  md << "\n| scenario | controller | real P99 / alone | sim P99 / alone | real vs none | sim vs "
        "none | same direction | real work conservation | sim work conservation |\n"
        "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& a : agreements) {
    if (!a.error.empty()) {
      md << "| " << a.scenario << " | | | | | | " << md_escape(a.error) << " | | |\n";
      continue;
    }
    for (const auto& c : a.controllers) {
      if (!c.sim_error.empty()) {
        md << "| " << a.scenario << " | " << to_string(c.controller) << " | " << ratio(c.real_ratio)
           << " | n/a | | | simulator: " << md_escape(c.sim_error) << " | "
           << percent(c.real_work_conservation) << " | n/a |\n";
        continue;
      }
      const bool judged = c.controller != Controller::none && c.real_trend != Trend::unknown &&
                          c.sim_trend != Trend::unknown;
      md << "| " << a.scenario << " | " << to_string(c.controller) << " | " << ratio(c.real_ratio)
         << " | " << ratio(c.sim_ratio) << " | "
         << (c.controller == Controller::none ? "-" : to_string(c.real_trend)) << " | "
         << (c.controller == Controller::none ? "-" : to_string(c.sim_trend)) << " | "
         << (judged ? (c.agree ? "yes" : "**no**") : "-") << " | "
         << percent(c.real_work_conservation) << " | " << percent(c.sim_work_conservation)
         << " |\n";
    }
  }
  md << "\n";
}

}  // namespace

std::string render_markdown(const BenchResults& results,
                            const std::vector<std::filesystem::path>& plots,
                            const std::vector<ScenarioAgreement>& sim_vs_real) {
  const Summary summary = summarise(results);
  std::ostringstream md;
  md << "# DWAE real-host benchmark\n\n";
  md << "- host: " << md_escape(results.host) << "\n";
  md << "- started: " << results.started_utc << (results.short_mode ? " (short mode)" : "") << "\n";
  md << "- controllers, interleaved:";
  for (Controller c : results.controllers) md << " " << to_string(c);
  md << "; " << results.repetitions << " repetition" << (results.repetitions == 1 ? "" : "s")
     << " each; " << results.runs.size() << " runs\n";
  md << "- every measured value: [results.json](results.json)\n\n";
  goal_section(md, results, summary);
  summary_table(md, summary);
  scenario_details(md, results, summary, plots);
  sim_section(md, sim_vs_real);
  md << "## Definitions\n\n";
  md << "- **P50/P99/P99.9 ratio**: the service's quantile in the run divided by the same "
        "quantile of the same service alone on the host (1.00x = no interference).\n";
  md << "- **work conservation**: a best-effort tenant's work per second divided by its mean "
        "over the `none` runs of the scenario; per run the mean over best-effort tenants.\n";
  md << "- **isolation score**: sqrt(L x W) with L the geometric mean over services of min(1, "
        "alone P99 / P99) and W = min(1, work conservation). 1 is perfect isolation at no cost "
        "to best-effort work; a score counts as better or worse than another only when the means "
        "differ by more than the larger standard deviation (and 0.01).\n";
  return md.str();
}

Result<ReportFiles> write_report(const BenchResults& results,
                                 const std::filesystem::path& out_dir) {
  return write_report(results, out_dir, ReportOptions{});
}

Result<ReportFiles> write_report(const BenchResults& results, const std::filesystem::path& out_dir,
                                 const ReportOptions& options) {
  std::error_code ec;
  const auto plot_dir = out_dir / "plots";
  std::filesystem::create_directories(plot_dir, ec);
  if (ec) return Error{"cannot create " + plot_dir.string() + ": " + ec.message(), ec.value()};
  ReportFiles files;
  files.json = out_dir / "results.json";
  files.markdown = out_dir / "report.md";
  if (auto st = write_text(files.json, results_to_json(results)); !st) return st.error();

  std::vector<std::filesystem::path> relative;  // as report.md links them
  auto add_plot = [&](const std::string& name, const LinePlot& plot) -> Status {
    const auto rel = std::filesystem::path("plots") / (name + ".svg");
    if (auto st = write_text(out_dir / rel, render_svg(plot)); !st) return st;
    relative.push_back(rel);
    files.plots.push_back(out_dir / rel);
    return Status::success();
  };
  for (const auto& scenario : results.scenarios) {
    std::vector<std::string> services;
    std::set<std::string> seen;
    for (const auto& run : results.runs) {
      if (run.scenario != scenario) continue;
      for (const auto& s : run.services) {
        if (seen.insert(s.name).second) services.push_back(s.name);
      }
    }
    for (const auto& service : services) {
      const auto plot = latency_cdf_plot(results, scenario, service);
      if (auto st = add_plot("cdf-" + file_part(scenario) + "-" + file_part(service), plot); !st) {
        return st.error();
      }
    }
    // Settings over time for the first DWAE controller that applied any.
    for (Controller c : {Controller::feedback, Controller::rule, Controller::ppo}) {
      std::vector<std::string> resources;
      for (const auto& run : results.runs) {
        if (run.scenario != scenario || run.controller != c) continue;
        for (const auto& w : run.weights) {
          if (std::find(resources.begin(), resources.end(), w.resource) == resources.end()) {
            resources.push_back(w.resource);
          }
        }
      }
      if (resources.empty()) continue;
      for (const auto& resource : resources) {
        const auto plot = settings_plot(results, scenario, c, resource);
        const std::string name = "settings-" + file_part(scenario) + "-" +
                                 std::string(to_string(c)) + "-" + file_part(resource);
        if (auto st = add_plot(name, plot); !st) return st.error();
      }
      break;
    }
  }

  std::vector<ScenarioAgreement> agreements;
  if (options.compare_with_simulator) {
    const Summary summary = summarise(results);
    for (const auto& s : summary.scenarios) {
      const SimTwinResult twin = run_sim_twin(s.scenario, results.controllers, options.sim);
      agreements.push_back(compare_sim_real(s, twin));
    }
  }
  if (auto st = write_text(files.markdown, render_markdown(results, relative, agreements)); !st) {
    return st.error();
  }
  return files;
}

Result<BenchResults> read_results_json(const std::filesystem::path& file) {
  auto text = read_regular_file(file.string(), size_t{64} << 20);
  if (!text) return text.error();
  auto parsed = results_from_json(*text);
  if (!parsed) return Error{file.string() + ": " + parsed.error().message};
  return parsed;
}

}  // namespace dwae::bench
