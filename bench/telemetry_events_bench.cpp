// The scheduler-event benchmark of the eBPF telemetry (bench/telemetry_events.sh runs it): a
// context-switch storm (stress-ng --switch, or any command) runs in a cgroup of its own under
// `perf stat -e sched:sched_switch`, while every collector runs in aggregation mode and is
// drained every 200 ms, as the agent does. It prints the switches we charged to that cgroup
// against perf's independent count, and what the collectors cost: the kernel's BPF run-time
// statistics per program (ns per run, runs) and the drains' CPU time. Needs root.
//
//   telemetry_events_bench [--seconds S] [--period-ms P] -- COMMAND...
//   telemetry_events_bench --cpu-cost ROUND_TRIPS [--repetitions R]
// The second form measures the cost without the run-time statistics (whose clock reads are a
// large share of a short program's measured time on a VM): the CPU time of a pipe ping-pong of
// two threads pinned to one CPU (every round trip is two switches and two wakeups, all charged
// to the two threads), with the collectors attached and without, alternating.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bpf_program_stats.h"
#include "dwae/hostfs/layout.h"
#include "dwae/telemetry/telemetry.h"
#include "pipe_ping_pong.h"

namespace {

using dwae::telemetry::CgroupId;
using dwae::telemetry::SchedStats;

using dwae::bench_support::dwae_program_stats;
using dwae::bench_support::ProgramStats;

uint64_t process_cpu_ns() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto ns = [](const timeval& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000ULL +
           static_cast<uint64_t>(t.tv_usec) * 1'000ULL;
  };
  return ns(u.ru_utime) + ns(u.ru_stime);
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

// The `sched:sched_switch` count in a `perf stat -x,` output file (CSV: value,unit,event,...).
uint64_t perf_switch_count(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("sched:sched_switch") == std::string::npos) continue;
    return std::stoull(line.substr(0, line.find(',')));
  }
  return 0;
}

void add(SchedStats& into, const SchedStats& from) {
  into.wakeups += from.wakeups;
  into.switches += from.switches;
  into.involuntary_switches += from.involuntary_switches;
  into.migrations += from.migrations;
  into.on_cpu_ns += from.on_cpu_ns;
  into.run_delay_ns += from.run_delay_ns;
  for (size_t i = 0; i < dwae::Log2Histogram::kBuckets; ++i) {
    into.run_queue_latency.buckets[i] += from.run_queue_latency.buckets[i];
  }
}

int run(int seconds, int period_ms, std::vector<std::string> command) {
  auto layout = dwae::hostfs::detect_layout({});
  if (!layout) {
    std::cerr << "no cgroup layout: " << layout.error().message << "\n";
    return 1;
  }
  const dwae::hostfs::Hierarchy* cpu = layout->hierarchy(dwae::hostfs::Controller::kCpu);
  if (cpu == nullptr) {
    std::cerr << "no cpu controller\n";
    return 1;
  }
  const std::string dir = cpu->mount_point + "/dwae-events-" + std::to_string(::getpid());
  if (::mkdir(dir.c_str(), 0755) != 0) {
    std::cerr << "cannot create " << dir << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  const auto id = dwae::telemetry::cgroup_id_of(dir);

  dwae::telemetry::TelemetryOptions o;
  o.set_attribution_from(*layout);
  o.read_cgroup_files = false;
  o.read_task_schedstat = false;
  o.log = [](const std::string& line) { std::cerr << "telemetry: " << line << "\n"; };
  dwae::telemetry::Telemetry telemetry = dwae::telemetry::Telemetry::open(*layout, o);
  if (!telemetry.status().bpf_active || !id) {
    std::cerr << "eBPF off: " << telemetry.status().bpf_problem << "\n";
    ::rmdir(dir.c_str());
    return 1;
  }
  const char* perf_out = "/tmp/dwae-events-perf.csv";
  std::vector<std::string> argv = {"perf", "stat",   "-x,", "-e", "sched:sched_switch",
                                   "-o",   perf_out, "--"};
  argv.insert(argv.end(), command.begin(), command.end());

  const int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  (void)telemetry.drain();
  SchedStats ours;
  uint64_t drains = 0;
  uint64_t drain_cpu_ns = 0;
  const auto programs_before = dwae_program_stats();
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    if (!write_text(dir + "/cgroup.procs", std::to_string(::getpid()))) ::_exit(126);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  const auto drain_into = [&] {
    const uint64_t before = process_cpu_ns();
    auto sample = telemetry.drain();
    drain_cpu_ns += process_cpu_ns() - before;
    ++drains;
    if (!sample) return;
    const auto it = sample->sched.find(*id);
    if (it != sample->sched.end()) add(ours, it->second);
  };
  int status = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(period_ms));
    drain_into();
    if (::waitpid(child, &status, WNOHANG) == child) break;
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(seconds + 60)) {
      ::kill(child, SIGKILL);
    }
  }
  drain_into();
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto programs_after = dwae_program_stats();
  if (stats_fd >= 0) ::close(stats_fd);
  ::rmdir(dir.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "the command failed (status " << status << ")\n";
    return 1;
  }
  const uint64_t perfs = perf_switch_count(perf_out);

  uint64_t bpf_ns = 0;
  uint64_t sched_ns = 0;
  uint64_t sched_runs = 0;
  std::printf("program                      runs        ns/run\n");
  for (const auto& [name, after] : programs_after) {
    const auto it = programs_before.find(name);
    const ProgramStats b = it != programs_before.end() ? it->second : ProgramStats{};
    const uint64_t runs = after.runs - b.runs;
    const uint64_t ns = after.run_time_ns - b.run_time_ns;
    if (runs == 0) continue;
    bpf_ns += ns;
    if (name.rfind("dwae_sched_", 0) == 0) {
      sched_ns += ns;
      sched_runs += runs;
    }
    std::printf("%-26s %10llu %10.1f\n", name.c_str(), static_cast<unsigned long long>(runs),
                static_cast<double>(ns) / static_cast<double>(runs));
  }
  const double ratio =
      perfs > 0 ? static_cast<double>(ours.switches) / static_cast<double>(perfs) : 0.0;
  const double switch_rate = static_cast<double>(perfs) / elapsed_s;
  const double total_ns = static_cast<double>(bpf_ns + drain_cpu_ns);
  std::printf("elapsed_s %.2f\n", elapsed_s);
  std::printf("switches_perf %llu\n", static_cast<unsigned long long>(perfs));
  std::printf("switches_ours %llu\n", static_cast<unsigned long long>(ours.switches));
  std::printf("switch_ratio %.5f (ours / perf)\n", ratio);
  std::printf("wakeups_ours %llu involuntary_ours %llu migrations_ours %llu run_delays_ours %llu\n",
              static_cast<unsigned long long>(ours.wakeups),
              static_cast<unsigned long long>(ours.involuntary_switches),
              static_cast<unsigned long long>(ours.migrations),
              static_cast<unsigned long long>(ours.run_delay_count()));
  std::printf("switches_per_s %.0f\n", switch_rate);
  std::printf("sched_program_runs_per_s %.0f\n", static_cast<double>(sched_runs) / elapsed_s);
  std::printf("bpf_ns_all_programs %llu drain_cpu_ns %llu drains %llu\n",
              static_cast<unsigned long long>(bpf_ns),
              static_cast<unsigned long long>(drain_cpu_ns),
              static_cast<unsigned long long>(drains));
  // Scheduler events: every run of a scheduling program (switches, wakeups and migrations of
  // every task on the host, the idle task's switches included), which the drains serve too.
  const double sched_event_ns = sched_runs > 0 ? static_cast<double>(sched_ns + drain_cpu_ns) /
                                                     static_cast<double>(sched_runs)
                                               : 0.0;
  std::printf("ns_per_sched_program_run %.1f\n",
              sched_runs > 0 ? static_cast<double>(sched_ns) / static_cast<double>(sched_runs) : 0);
  std::printf("ns_per_sched_event_all_included %.1f (scheduling programs + drains, per run)\n",
              sched_event_ns);
  std::printf("core_share_at_500k_sched_events_percent %.2f\n", sched_event_ns * 500'000 / 1e7);
  std::printf(
      "ns_per_storm_switch_all_programs %.1f (every BPF program on the host + drains, per "
      "perf-counted switch of the storm)\n",
      perfs > 0 ? total_ns / static_cast<double>(perfs) : 0.0);
  std::printf("core_share_percent %.2f (every BPF program + drains, of one core, this run)\n",
              100.0 * total_ns / (elapsed_s * 1e9));
  return 0;
}

// CPU time (user + system, both threads) of `rounds` pipe round trips on CPU 0.
uint64_t ping_pong_cpu_ns(long rounds) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  cpu_set_t old;
  ::sched_getaffinity(0, sizeof(old), &old);
  ::sched_setaffinity(0, sizeof(one), &one);  // the peer thread inherits it
  uint64_t before = 0;
  uint64_t used = 0;
  dwae::bench_support::pipe_ping_pong(
      rounds, [&] { before = process_cpu_ns(); }, [&] { used = process_cpu_ns() - before; });
  ::sched_setaffinity(0, sizeof(old), &old);
  return used;
}

int cpu_cost(long rounds, int repetitions) {
  auto layout = dwae::hostfs::detect_layout({});
  if (!layout) return 1;
  dwae::telemetry::TelemetryOptions o;
  o.set_attribution_from(*layout);
  o.read_cgroup_files = false;
  o.read_task_schedstat = false;
  o.log = [](const std::string&) {};
  const double events = 4.0 * static_cast<double>(rounds);  // 2 switches + 2 wakeups each
  double off_sum = 0;
  double on_sum = 0;
  for (int r = 0; r < repetitions; ++r) {
    const uint64_t off = ping_pong_cpu_ns(rounds);
    uint64_t on = 0;
    {
      dwae::telemetry::Telemetry t = dwae::telemetry::Telemetry::open(*layout, o);
      if (!t.status().bpf_active) {
        std::cerr << "eBPF off: " << t.status().bpf_problem << "\n";
        return 1;
      }
      (void)t.drain();
      on = ping_pong_cpu_ns(rounds);
      (void)t.drain();
    }
    off_sum += static_cast<double>(off);
    on_sum += static_cast<double>(on);
    std::printf(
        "repetition %d: cpu_ns_per_round_trip off %.0f on %.0f; per scheduler event %.1f ns\n", r,
        static_cast<double>(off) / static_cast<double>(rounds),
        static_cast<double>(on) / static_cast<double>(rounds),
        (static_cast<double>(on) - static_cast<double>(off)) / events);
  }
  const double per_event = (on_sum - off_sum) / (events * repetitions);
  std::printf(
      "cpu_cost_ns_per_sched_event %.1f (mean of %d; 2 switches + 2 wakeups per round trip)\n",
      per_event, repetitions);
  std::printf("core_share_at_500k_sched_events_percent %.2f\n", per_event * 500'000 / 1e7);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 5;
  int period_ms = 200;
  std::vector<std::string> command;
  long cost_rounds = 0;
  int repetitions = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--cpu-cost" && i + 1 < argc) {
      cost_rounds = std::stol(argv[++i]);
    } else if (a == "--repetitions" && i + 1 < argc) {
      repetitions = std::stoi(argv[++i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::stoi(argv[++i]);
    } else if (a == "--period-ms" && i + 1 < argc) {
      period_ms = std::stoi(argv[++i]);
    } else if (a == "--") {
      for (++i; i < argc; ++i) command.emplace_back(argv[i]);
    } else {
      std::cerr << "usage: telemetry_events_bench [--seconds S] [--period-ms P] -- COMMAND...\n"
                   "       telemetry_events_bench --cpu-cost ROUND_TRIPS [--repetitions R]\n";
      return 2;
    }
  }
  if (cost_rounds > 0) return cpu_cost(cost_rounds, repetitions);
  if (command.empty()) {
    command = {"stress-ng", "--switch", "2", "-t", std::to_string(seconds) + "s", "--quiet"};
  }
  return run(seconds, period_ms, command);
}
