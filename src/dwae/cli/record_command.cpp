// `dwae record`: wiring only. Picks the HostSource (the simulator with --scenario, else the real
// host), how time passes between ticks (simulate, or sleep), and runs record::record_loop.
#include "dwae/cli/record_command.h"

#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dwae/agent/real_host.h"
#include "dwae/cli/commands.h"
#include "dwae/cli/period_bounds.h"
#include "dwae/common/clock.h"
#include "dwae/common/strings.h"
#include "dwae/common/units.h"
#include "dwae/config/loader.h"
#include "dwae/hostfs/layout.h"
#include "dwae/record/raw_event_recorder.h"
#include "dwae/record/record_loop.h"
#include "dwae/record/recording.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/sim_host.h"

namespace dwae::cli {

namespace {

// The agent's real-host source with what it needs kept alive beside it: the layout it reads
// through and the clock that stamps its samples.
class RecordedHost final : public HostSource {
 public:
  RecordedHost(const config::Config& config, hostfs::CgroupLayout layout)
      : layout_(std::move(layout)),
        host_(config, layout_, hostfs::ProcFs(hostfs::HostPaths{}), clock_, {}) {}
  Result<std::vector<WorkloadInfo>> workloads() override { return host_.workloads(); }
  Result<HostSample> sample() override { return host_.sample(); }

 private:
  hostfs::CgroupLayout layout_;
  SteadyClock clock_;
  agent::RealHost host_;
};

}  // namespace

namespace {

// The config of the host to record: an error naming the problem when there is none or it does
// not load (bad input, exit 2).
Result<config::Config> load_host_config(const std::string& config_path) {
  if (config_path.empty()) {
    return Error{
        "--config FILE is needed to record this host (its rules name the workloads); "
        "or --scenario FILE to record the simulator"};
  }
  auto loaded = config::load_config_file(config_path);
  if (!loaded.ok()) {
    std::string why = "bad config";
    for (const auto& d : loaded.diagnostics) why += "\n" + terminal_safe(d.format());
    return Error{why};
  }
  return std::move(*loaded.config);
}

Result<std::unique_ptr<HostSource>> open_host_source(const config::Config& config) {
  auto layout = hostfs::detect_layout(hostfs::HostPaths{});
  if (!layout) return Error{"cannot read the cgroup layout: " + layout.error().message};
  return std::unique_ptr<HostSource>(std::make_unique<RecordedHost>(config, std::move(*layout)));
}

}  // namespace

Result<std::unique_ptr<HostSource>> open_real_host_source(const std::string& config_path) {
  auto config = load_host_config(config_path);
  if (!config.ok()) return config.error();
  return open_host_source(*config);
}

namespace {

// The policy of a recording of this host: none steers it, it is only watched, which is what the
// static policy (the --policy default) does to a scenario.
constexpr const char* kObservingPolicy = "static";

std::atomic<bool> g_stop{false};

void on_stop_signal(int /*signal*/) {
  g_stop.store(true);
}

// SIGINT/SIGTERM end the recording after the current tick, so the file is closed properly.
class StopOnSignal {
 public:
  StopOnSignal() {
    g_stop.store(false);
    old_int_ = std::signal(SIGINT, on_stop_signal);
    old_term_ = std::signal(SIGTERM, on_stop_signal);
  }
  ~StopOnSignal() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  void (*old_int_)(int) = SIG_DFL;
  void (*old_term_)(int) = SIG_DFL;
};

// The absolute path a file to be created at `path` will have: `.`, `..` and symbolic links
// resolved, including a link to a file that does not exist yet (creating through it creates
// its target).
std::optional<std::filesystem::path> path_to_create(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return std::nullopt;
  for (int links = 0; links < 40 && fs::is_symlink(p, ec); ++links) {
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) return std::nullopt;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  p = fs::weakly_canonical(p, ec);
  if (ec) return std::nullopt;
  return p;
}

// True when the two paths name one file: the same device and inode when both exist, else the
// same path to create.
bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  const bool a_exists = ::stat(a.c_str(), &sa) == 0;
  const bool b_exists = ::stat(b.c_str(), &sb) == 0;
  if (a_exists && b_exists) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (a_exists || b_exists) return false;
  const auto pa = path_to_create(a);
  const auto pb = path_to_create(b);
  return pa && pb ? *pa == *pb : a == b;
}

// An output that is also an input (or the other output) would be truncated before anything is
// recorded: refuse before any file is created. Empty when the files are apart.
std::string overlapping_files(const RecordOptions& options) {
  struct Named {
    const char* option;
    const std::string& path;
  };
  const std::vector<Named> outputs = {{"--out", options.out_path},
                                      {"--raw-events", options.raw_events_path}};
  const std::vector<Named> others = {{"--scenario", options.scenario_path},
                                     {"--config", options.config_path},
                                     {"--raw-events", options.raw_events_path}};
  for (const auto& out : outputs) {
    if (out.path.empty()) continue;
    for (const auto& other : others) {
      if (other.path.empty() || &other.path == &out.path) continue;
      if (same_file(out.path, other.path)) {
        return std::string(out.option) + " " + out.path + " is the same file as " + other.option +
               " " + other.path + "; it would be overwritten";
      }
    }
  }
  return "";
}

Result<Nanos> positive_duration(const std::string& text, const char* option) {
  const auto d = parse_duration(text);
  if (!d.ok()) return Error{std::string(option) + ": " + d.error().message};
  if (d->count() <= 0) return Error{std::string(option) + ": must be positive"};
  return *d;
}

int finish(record::RecordingWriter& writer, const Result<record::RecordSummary>& summary,
           const std::string& path) {
  if (!summary.ok()) {
    std::cerr << "dwae record: " << summary.error().message << "\n";
    return kExitFailure;
  }
  if (auto s = writer.close(); !s.ok()) {
    std::cerr << "dwae record: " << s.error().message << "\n";
    return kExitFailure;
  }
  if (g_stop.load()) std::cerr << "dwae record: stopped by a signal before the end\n";
  if (summary->failed_samples > 0) {
    std::cerr << "dwae record: " << summary->failed_samples
              << " ticks could not be sampled and were skipped; last error: " << summary->last_error
              << "\n";
  }
  std::cout << "dwae record: " << summary->ticks << " ticks, " << writer.bytes_written()
            << " bytes written to " << path << "\n";
  // Stopped by the operator before the first tick (say while the raw-event collectors were
  // loading): the file is complete and empty, as asked.
  return summary->ticks > 0 || g_stop.load() ? kExitOk : kExitFailure;
}

// False (after saying why) when --period is outside `bounds`.
bool period_within(const RecordOptions& options, Nanos period, const PeriodBounds& bounds) {
  const std::string problem = period_out_of_bounds(period, bounds);
  if (problem.empty()) return true;
  std::cerr << "dwae record: --period " << options.period << ": " << problem << "\n";
  return false;
}

int record_scenario(const RecordOptions& options, const record::RecordLoopOptions& base) {
  auto load = sim::load_scenario_file(options.scenario_path);
  if (!load.scenario) {
    for (const auto& d : load.diagnostics) std::cerr << terminal_safe(d.format()) << "\n";
    return kExitBadInput;
  }
  if (!options.raw_events_path.empty()) {
    std::cerr << "dwae record: --raw-events records this host's kernel events, not a scenario\n";
    return kExitBadInput;
  }
  const sim::Scenario scenario = std::move(*load.scenario);
  record::RecordLoopOptions loop = base;
  if (options.duration.empty()) loop.duration = scenario.duration;
  if (options.period.empty()) {
    loop.period = scenario.control_period;
  } else if (!period_within(options, loop.period, scenario_period_bounds(scenario.quantum))) {
    return kExitBadInput;
  }
  auto policy = sim::make_policy(options.policy, scenario);
  if (!policy.ok()) {
    std::cerr << "dwae record: --policy: " << policy.error().message << "\n";
    return kExitBadInput;
  }
  // From before the file exists: a signal at any moment ends with a valid file.
  const StopOnSignal stop_on_signal;
  auto writer = record::RecordingWriter::create(options.out_path, "sim:" + scenario.name);
  if (!writer.ok()) {
    std::cerr << "dwae record: " << writer.error().message << "\n";
    return kExitFailure;
  }
  ManualClock clock;
  sim::SimHost host(scenario, clock);
  record::RecordHooks hooks;
  hooks.stop = &g_stop;
  hooks.advance_to = [&](Nanos offset) { host.run_until(offset); };
  hooks.after_tick = [&](const HostSample& sample, const std::vector<WorkloadInfo>& infos) {
    const Decision decision = (*policy)->decide(sample, infos);
    if (!decision.workloads.empty()) host.apply(decision);
  };
  const auto summary = record::record_loop(host, *writer, loop, hooks);
  return finish(*writer, summary, options.out_path);
}

Result<std::unique_ptr<record::RawEventRecorder>> start_raw_events(const RecordOptions& options) {
  if (options.raw_sample_every == 0) return Error{"--raw-sample-every must be at least 1"};
  auto layout = hostfs::detect_layout(hostfs::HostPaths{});
  if (!layout) return Error{"cannot read the cgroup layout: " + layout.error().message};
  record::RawEventRecorderOptions raw;
  raw.path = options.raw_events_path;
  raw.sample_every = options.raw_sample_every;
  return record::RawEventRecorder::start(*layout, raw);
}

bool report_raw_events(const record::RawEventRecorderSummary& s, const std::string& path) {
  std::cout << "dwae record: " << s.rows << " raw events, " << s.bytes << " bytes written to "
            << path << " (seen " << s.totals.seen << ", sampled " << s.totals.sampled
            << ", dropped " << s.totals.dropped << " = " << 100.0 * s.drop_share() << " %)\n";
  if (!s.error.empty()) std::cerr << "dwae record: raw events: " << s.error << "\n";
  return s.error.empty();
}

int record_host(const RecordOptions& options, const record::RecordLoopOptions& loop) {
  if (options.duration.empty()) {
    std::cerr << "dwae record: --duration is required when recording a host\n";
    return kExitBadInput;
  }
  if (!options.period.empty() && !period_within(options, loop.period, kAgentPeriodBounds)) {
    return kExitBadInput;
  }
  if (options.policy != kObservingPolicy) {
    std::cerr << "dwae record: --policy " << terminal_safe(options.policy)
              << " steers a simulated scenario (with --scenario); recording this host only "
                 "observes it (`dwae run` steers a host)\n";
    return kExitBadInput;
  }
  const auto config = load_host_config(options.config_path);
  if (!config.ok()) {
    std::cerr << "dwae record: " << config.error().message << "\n";
    return kExitBadInput;
  }
  auto source = open_host_source(*config);
  if (!source.ok()) {
    std::cerr << "dwae record: " << source.error().message << "\n";
    return kExitFailure;
  }
  // From before the first file exists: loading the raw-event collectors takes a second or more,
  // and a signal meanwhile must still end with valid files, not kill the process.
  const StopOnSignal stop_on_signal;
  auto writer = record::RecordingWriter::create(options.out_path, "host");
  if (!writer.ok()) {
    std::cerr << "dwae record: " << writer.error().message << "\n";
    return kExitFailure;
  }
  std::unique_ptr<record::RawEventRecorder> raw;
  if (!options.raw_events_path.empty()) {
    auto started = start_raw_events(options);
    if (!started.ok()) {
      std::cerr << "dwae record: --raw-events: " << started.error().message << "\n";
      return kExitFailure;
    }
    raw = std::move(*started);
  }
  const SteadyClock clock;
  const Nanos start = clock.now();
  record::RecordHooks hooks;
  hooks.stop = &g_stop;
  hooks.advance_to = [&](Nanos offset) {
    // Short sleeps, so a signal ends the wait promptly.
    while (!g_stop.load()) {
      const Nanos left = start + offset - clock.now();
      if (left.count() <= 0) break;
      std::this_thread::sleep_for(std::min<Nanos>(left, Nanos{100'000'000}));
    }
  };
  const auto summary = record::record_loop(**source, *writer, loop, hooks);
  const int code = finish(*writer, summary, options.out_path);
  if (!raw) return code;
  return report_raw_events(raw->stop(), options.raw_events_path) ? code : kExitFailure;
}

}  // namespace

int run_record(const RecordOptions& options) {
  try {
    record::RecordLoopOptions loop;
    if (!options.duration.empty()) {
      auto d = positive_duration(options.duration, "--duration");
      if (!d.ok()) {
        std::cerr << "dwae record: " << d.error().message << "\n";
        return kExitBadInput;
      }
      loop.duration = *d;
    }
    if (!options.period.empty()) {
      auto p = positive_duration(options.period, "--period");
      if (!p.ok()) {
        std::cerr << "dwae record: " << p.error().message << "\n";
        return kExitBadInput;
      }
      loop.period = *p;
    }
    if (const auto overlap = overlapping_files(options); !overlap.empty()) {
      std::cerr << "dwae record: " << overlap << "\n";
      return kExitBadInput;
    }
    if (!options.scenario_path.empty() && !options.config_path.empty()) {
      std::cerr << "dwae record: --config (record this host) and --scenario (record the "
                   "simulator) exclude each other; give one\n";
      return kExitBadInput;
    }
    if (!options.scenario_path.empty()) return record_scenario(options, loop);
    return record_host(options, loop);
  } catch (const std::exception& e) {
    std::cerr << "dwae record: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace dwae::cli
