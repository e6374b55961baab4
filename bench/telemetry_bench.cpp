// Cost of the eBPF telemetry: user-space drain of the per-CPU per-cgroup maps for N cgroups
// (the same batch lookup-and-delete the collectors run), a real drain of every collector, and
// the in-kernel cost per event, measured on a context-switch-heavy pipe ping-pong with and
// without the collectors attached (kernel BPF run-time statistics give ns per program run).
// Needs root (CAP_BPF + CAP_PERFMON).
#include <benchmark/benchmark.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bpf_program_stats.h"
#include "dwae/hostfs/layout.h"
#include "dwae/telemetry/bpf_support.h"
#include "dwae/telemetry/collectors.h"
#include "dwae/telemetry/telemetry.h"
#include "pipe_ping_pong.h"

namespace {

using namespace dwae::telemetry;

constexpr size_t kSchedRecordBytes = 376;  // sizeof(dwae_sched_record)

// A per-CPU hash shaped like the scheduling collector's, refilled with n cgroups before each
// drain; the drain is timed.
void BM_DrainPerCpuHash(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  const int cpus = libbpf_num_possible_cpus();
  const int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "bench_hash", sizeof(uint64_t),
                                kSchedRecordBytes, 10240, nullptr);
  if (fd < 0) {
    state.SkipWithError("bpf_map_create failed (needs root)");
    return;
  }
  std::vector<uint64_t> keys(n);
  std::vector<std::byte> values(
      static_cast<size_t>(n) * static_cast<size_t>(cpus) * kSchedRecordBytes, std::byte{1});
  for (uint32_t i = 0; i < n; ++i) keys[i] = 1000 + i;
  uint64_t drained = 0;
  for (auto _ : state) {
    state.PauseTiming();
    uint32_t count = n;
    bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr);
    state.ResumeTiming();
    const auto s = detail::drain_percpu_hash(fd, cpus, kSchedRecordBytes,
                                             [&](CgroupId, const std::byte*) { ++drained; });
    benchmark::DoNotOptimize(s);
  }
  ::close(fd);
  state.counters["cgroups"] = n;
  state.counters["ns_per_cgroup"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DrainPerCpuHash)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

// Every collector loaded on this host; one drain of all of them per iteration (no workloads:
// the BPF side only), every 10 ms of host activity.
void BM_TelemetryDrainAllCollectors(benchmark::State& state) {
  auto layout = dwae::hostfs::detect_layout({});
  if (!layout) {
    state.SkipWithError("no cgroup layout");
    return;
  }
  TelemetryOptions o;
  o.set_attribution_from(*layout);
  o.read_cgroup_files = false;
  o.read_task_schedstat = false;
  o.log = [](const std::string&) {};
  Telemetry t = Telemetry::open(*layout, o);
  if (!t.status().bpf_active) {
    state.SkipWithError(t.status().bpf_problem.c_str());
    return;
  }
  size_t cgroups = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    state.ResumeTiming();
    auto s = t.drain();
    if (s) cgroups += s->sched.size();
  }
  state.counters["sched_cgroups_per_drain"] =
      static_cast<double>(cgroups) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_TelemetryDrainAllCollectors)->Unit(benchmark::kMicrosecond)->Iterations(200);

// Nanoseconds per round trip of the pipe ping-pong (pipe_ping_pong.h).
double pipe_round_trips(int rounds) {
  std::chrono::steady_clock::time_point start;
  double ns = 0;
  if (!dwae::bench_support::pipe_ping_pong(
          rounds, [&] { start = std::chrono::steady_clock::now(); },
          [&] {
            ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count());
          })) {
    return 0;
  }
  return ns / rounds;
}

using dwae::bench_support::dwae_program_stats;

// Arg 0: nothing attached; 1: every collector in aggregation mode; 2: plus raw events (1 in 64).
void BM_PipePingPong(benchmark::State& state) {
  std::optional<Telemetry> t;
  if (state.range(0) > 0) {
    auto layout = dwae::hostfs::detect_layout({});
    TelemetryOptions o;
    if (layout) o.set_attribution_from(*layout);
    o.read_cgroup_files = false;
    o.read_task_schedstat = false;
    o.raw_events = state.range(0) == 2;
    o.log = [](const std::string&) {};
    t = Telemetry::open(layout ? *layout : dwae::hostfs::CgroupLayout{}, o);
    if (!t->status().bpf_active) {
      state.SkipWithError(t->status().bpf_problem.c_str());
      return;
    }
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(0, &one);
  cpu_set_t old;
  ::sched_getaffinity(0, sizeof(old), &old);
  ::sched_setaffinity(0, sizeof(one), &one);  // the peer thread inherits it
  const int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  const auto before = dwae_program_stats();
  constexpr int kRounds = 20000;
  double ns_per_round = 0;
  for (auto _ : state) {
    ns_per_round = pipe_round_trips(kRounds);
    state.SetIterationTime(ns_per_round * kRounds / 1e9);
    if (t) (void)t->drain();  // keep the maps small, as the agent does
  }
  const auto after = dwae_program_stats();
  if (stats_fd >= 0) ::close(stats_fd);
  ::sched_setaffinity(0, sizeof(old), &old);
  state.counters["ns_per_round_trip"] = ns_per_round;
  for (const auto& [name, s] : after) {
    const auto b = before.count(name) ? before.at(name) : dwae::bench_support::ProgramStats{};
    const uint64_t runs = s.runs - b.runs;
    if (runs == 0) continue;
    state.counters["ns_" + name.substr(5, 10)] =
        static_cast<double>(s.run_time_ns - b.run_time_ns) / static_cast<double>(runs);
  }
}
BENCHMARK(BM_PipePingPong)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);

// Voluntary + involuntary context switches of the calling thread so far, from the kernel's own
// per-task counters (/proc/thread-self/status).
uint64_t own_context_switches() {
  std::ifstream in("/proc/thread-self/status");
  std::string line;
  uint64_t total = 0;
  while (std::getline(in, line)) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
        line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
      total += std::stoull(line.substr(line.find(':') + 1));
    }
  }
  return total;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// The ping-pong in a cgroup of its own: the switches the scheduling collector charges to that
// cgroup against the kernel's per-thread counters of the two threads (an independent count).
void BM_SwitchCountAgreement(benchmark::State& state) {
  auto layout = dwae::hostfs::detect_layout({});
  const dwae::hostfs::Hierarchy* cpu =
      layout ? layout->hierarchy(dwae::hostfs::Controller::kCpu) : nullptr;
  if (cpu == nullptr) {
    state.SkipWithError("no cpu controller");
    return;
  }
  // This process's cgroup in that hierarchy, to come back to.
  std::ifstream self("/proc/self/cgroup");
  std::string line, home;
  const bool v1 = cpu->version == dwae::hostfs::CgroupVersion::kV1;
  while (std::getline(self, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    const std::string ctrls = line.substr(a + 1, b - a - 1);
    if (v1 ? (ctrls == "cpu" || ctrls.find("cpu,") == 0 || ctrls.find(",cpu") != std::string::npos)
           : line.rfind("0::", 0) == 0) {
      home = dwae::hostfs::CgroupLayout::dir(*cpu, line.substr(b + 1));
    }
  }
  const std::string dir = cpu->mount_point + "/dwae-bench-" + std::to_string(::getpid());
  ::mkdir(dir.c_str(), 0755);
  TelemetryOptions o;
  o.set_attribution_from(*layout);
  o.read_cgroup_files = false;
  o.read_task_schedstat = false;
  o.log = [](const std::string&) {};
  Telemetry t = Telemetry::open(*layout, o);
  const auto id = cgroup_id_of(dir);
  if (!t.status().bpf_active || !id || home.empty()) {
    ::rmdir(dir.c_str());
    state.SkipWithError("eBPF or the bench cgroup unavailable");
    return;
  }
  write_text(dir + "/cgroup.procs", std::to_string(::getpid()));
  uint64_t ours = 0, kernels = 0;
  for (auto _ : state) {
    (void)t.drain();
    const uint64_t main_before = own_context_switches();
    uint64_t peer_switches = 0;
    int ab[2], ba[2];
    if (::pipe(ab) != 0 || ::pipe(ba) != 0) break;
    constexpr int kRounds = 20000;
    std::thread peer([&] {
      const uint64_t before = own_context_switches();
      char c;
      for (int i = 0; i < kRounds; ++i) {
        if (::read(ab[0], &c, 1) != 1 || ::write(ba[1], &c, 1) != 1) break;
      }
      peer_switches = own_context_switches() - before;
    });
    char c = 'x';
    for (int i = 0; i < kRounds; ++i) {
      if (::write(ab[1], &c, 1) != 1 || ::read(ba[0], &c, 1) != 1) break;
    }
    peer.join();
    const uint64_t main_switches = own_context_switches() - main_before;
    auto sample = t.drain();
    for (const int fd : {ab[0], ab[1], ba[0], ba[1]}) ::close(fd);
    if (sample) {
      const auto it = sample->sched.find(*id);
      if (it != sample->sched.end()) ours += it->second.switches;
    }
    kernels += main_switches + peer_switches;
  }
  write_text(home + "/cgroup.procs", std::to_string(::getpid()));
  ::rmdir(dir.c_str());
  state.counters["switches_ours"] = static_cast<double>(ours);
  state.counters["switches_kernel"] = static_cast<double>(kernels);
  state.counters["ratio"] =
      kernels > 0 ? static_cast<double>(ours) / static_cast<double>(kernels) : 0;
}
BENCHMARK(BM_SwitchCountAgreement)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
