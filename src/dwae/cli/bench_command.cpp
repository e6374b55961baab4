// dwae bench: option checking, then dwae::bench::run_bench and write_report.
#include "dwae/cli/bench_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "dwae/bench/process.h"
#include "dwae/bench/report.h"
#include "dwae/bench/runner.h"
#include "dwae/cli/commands.h"
#include "dwae/common/units.h"

namespace dwae::cli {
namespace {

namespace fs = std::filesystem;

int report(const bench::BenchResults& results, const std::string& out_dir) {
  auto files = bench::write_report(results, out_dir);
  if (!files) {
    std::fprintf(stderr, "dwae bench: writing the report: %s\n", files.error().message.c_str());
    return kExitFailure;
  }
  std::printf("report: %s\nresults: %s\n", files->markdown.c_str(), files->json.c_str());
  for (const auto& plot : files->plots) std::printf("plot: %s\n", plot.c_str());
  return kExitOk;
}

// The report goes to out_dir and out_dir/plots (bench::write_report): both must take a file
// before anything is measured, or the run's results would be lost at its end.
Status check_out_dir(const fs::path& out_dir) {
  for (const auto& dir : {out_dir, out_dir / "plots"}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error{"cannot create " + dir.string() + ": " + ec.message()};
    const fs::path probe = dir / (".dwae-bench-probe-" + std::to_string(::getpid()));
    std::FILE* f = std::fopen(probe.c_str(), "w");
    if (f == nullptr) return Error::from_errno("cannot write a file in " + dir.string(), errno);
    const bool written = std::fputs("probe\n", f) >= 0 && std::fflush(f) == 0;
    const int err = errno;
    const bool closed = std::fclose(f) == 0;
    std::remove(probe.c_str());
    if (!written || !closed) {
      return Error::from_errno("cannot write a file in " + dir.string(), written ? errno : err);
    }
  }
  return Status::success();
}

bool duration_option(const std::string& text, const char* flag, std::chrono::milliseconds& out) {
  if (text.empty()) return true;
  const auto d = parse_duration(text);
  if (!d.ok() || d->count() <= 0) {
    std::fprintf(stderr, "dwae bench: %s %s: %s\n", flag, text.c_str(),
                 d.ok() ? "must be positive" : d.error().message.c_str());
    return false;
  }
  out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  return true;
}

}  // namespace

int run_bench_command(const BenchCommandOptions& options) {
  if (options.list) {
    for (const auto& s : bench::all_scenarios()) {
      std::printf("%-16s %s\n", s.name.c_str(), s.description.c_str());
    }
    return kExitOk;
  }
  if (!options.from.empty()) {
    auto results = bench::read_results_json(options.from);
    if (!results) {
      std::fprintf(stderr, "dwae bench: %s\n", results.error().message.c_str());
      return kExitBadInput;
    }
    return report(*results, options.out_dir);
  }
  bench::BenchOptions bench_options;
  bench_options.scenarios = options.scenarios;
  bench_options.short_mode = options.short_mode;
  bench_options.repetitions = options.repetitions;
  bench_options.model_path = options.model;
  if (!duration_option(options.warmup, "--warmup", bench_options.warmup) ||
      !duration_option(options.measure, "--duration", bench_options.measure)) {
    return kExitBadInput;
  }
  // An explicit list must name controllers: an empty one is not the default set.
  for (size_t begin = 0; options.controllers_given && begin <= options.controllers.size();) {
    const size_t comma = std::min(options.controllers.find(',', begin), options.controllers.size());
    const std::string name = options.controllers.substr(begin, comma - begin);
    begin = comma + 1;
    if (name.empty()) {
      std::fprintf(stderr,
                   "dwae bench: --controllers '%s': empty controller name (a comma-separated list "
                   "of none, static-best, rule, feedback, ppo; leave the option out for all)\n",
                   options.controllers.c_str());
      return kExitBadInput;
    }
    const auto c = bench::parse_controller(name);
    if (!c) {
      std::fprintf(stderr,
                   "dwae bench: unknown controller '%s' (none, static-best, rule, feedback, ppo)\n",
                   name.c_str());
      return kExitBadInput;
    }
    bench_options.controllers.push_back(*c);
  }
  auto plan = bench::plan_bench(bench_options);
  if (!plan) {
    std::fprintf(stderr, "dwae bench: %s\n", plan.error().message.c_str());
    return kExitBadInput;
  }
  if (options.controllers.empty() && !options.short_mode &&
      std::find(plan->controllers.begin(), plan->controllers.end(), bench::Controller::ppo) ==
          plan->controllers.end()) {
    std::fprintf(stderr, "dwae bench: ppo left out: no policy file at %s (--model FILE)\n",
                 options.model.c_str());
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "dwae bench: needs root (it creates cgroups and runs the agent)\n");
    return kExitFailure;
  }
  std::error_code ec;
  bench_options.dwae_binary = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    std::fprintf(stderr, "dwae bench: cannot find its own binary: %s\n", ec.message().c_str());
    return kExitFailure;
  }
  if (auto s = check_out_dir(options.out_dir); !s) {
    std::fprintf(stderr, "dwae bench: --out %s: %s; nothing measured\n", options.out_dir.c_str(),
                 s.error().message.c_str());
    return kExitBadInput;
  }
  // Progress goes to stderr. Once its reader is gone (`dwae bench 2>&1 | head`), the lines are
  // lost (SIGPIPE is ignored) but the run goes on and writes its report to --out.
  bench_options.log = [](const std::string& line) {
    std::fprintf(stderr, "dwae bench: %s\n", line.c_str());
  };
  bench::install_interrupt_handlers();
  auto outcome = bench::run_bench(bench_options, *plan);
  if (!outcome) {
    std::fprintf(stderr, "dwae bench: %s\n", outcome.error().message.c_str());
    if (bench::interrupted()) {
      std::fprintf(stderr, "dwae bench: stopped; test cgroups and processes removed\n");
      return 128 + bench::interrupt_signal();
    }
    return kExitFailure;
  }
  const int code = report(outcome->results, options.out_dir);
  for (const auto& problem : outcome->problems) {
    std::fprintf(stderr, "dwae bench: %s\n", problem.c_str());
  }
  if (code != kExitOk) return code;
  return outcome->problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace dwae::cli
