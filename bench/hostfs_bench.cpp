// How long one full read (settings + stats, every controller, PSI) of a cgroup takes, over a
// fixture of 1,000 workloads laid out as on a hybrid host, on tmpfs. Goal: <= 20 us/workload.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>

#include "dwae/discovery/discovery.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/reader.h"
#include "support/host_fixture.h"

namespace {

using dwae::test::FixtureLayout;
using dwae::test::HostFixture;

constexpr int kWorkloads = 1000;

const char* kPressure =
    "some avg10=2.50 avg60=1.00 avg300=0.10 total=5000\n"
    "full avg10=1.25 avg60=0.50 avg300=0.05 total=2500\n";

// Builds /dev/shm/<tmp>/... with kWorkloads services holding every file the reader reads.
HostFixture& fixture(FixtureLayout kind) {
  ::setenv("TMPDIR", "/dev/shm", 1);
  static HostFixture* hybrid = nullptr;
  static HostFixture* unified = nullptr;
  HostFixture*& slot = kind == FixtureLayout::kV2 ? unified : hybrid;
  if (slot != nullptr) return *slot;
  slot = new HostFixture(kind);
  const std::string memory_stat =
      "cache 4096\nrss 8192\nrss_huge 0\nshmem 0\nmapped_file 0\ndirty 0\nwriteback 0\n"
      "pgpgin 10\npgpgout 5\npgfault 1000\npgmajfault 3\ninactive_anon 0\nactive_anon 8192\n"
      "inactive_file 4096\nactive_file 0\nunevictable 0\nhierarchical_memory_limit 1\n"
      "total_cache 4096\ntotal_rss 8192\ntotal_pgfault 1000\ntotal_pgmajfault 3\n";
  for (int i = 0; i < kWorkloads; ++i) {
    const std::string path = "/system.slice/svc" + std::to_string(i) + ".service";
    if (kind == FixtureLayout::kV2) {
      slot->cgroup("cpu", path,
                   {{"cpu.weight", "100\n"},
                    {"cpu.max", "max 100000\n"},
                    {"cpu.max.burst", "0\n"},
                    {"cpu.idle", "0\n"},
                    {"cpu.stat",
                     "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\n"
                     "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n"},
                    {"cpuset.cpus", "\n"},
                    {"cpuset.mems", "\n"},
                    {"cpuset.cpus.effective", "0-1\n"},
                    {"memory.min", "0\n"},
                    {"memory.low", "0\n"},
                    {"memory.high", "max\n"},
                    {"memory.max", "max\n"},
                    {"memory.swap.max", "max\n"},
                    {"memory.current", "12288\n"},
                    {"memory.stat", "anon 8192\nfile 4096\npgfault 1000\npgmajfault 3\n"},
                    {"memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"},
                    {"io.weight", "default 100\n"},
                    {"io.max", "8:0 rbps=max wbps=max riops=max wiops=max\n"},
                    {"io.stat", "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n"},
                    {"pids.max", "max\n"},
                    {"pids.current", "3\n"},
                    {"cpu.pressure", kPressure},
                    {"memory.pressure", kPressure},
                    {"io.pressure", kPressure}});
      continue;
    }
    slot->cgroup("cpu", path,
                 {{"cpu.shares", "1024\n"},
                  {"cpu.cfs_quota_us", "-1\n"},
                  {"cpu.cfs_period_us", "100000\n"},
                  {"cpu.cfs_burst_us", "0\n"},
                  {"cpu.idle", "0\n"},
                  {"cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"},
                  {"cpuacct.usage", "123456789\n"},
                  {"cpuacct.usage_user", "100000000\n"},
                  {"cpuacct.usage_sys", "23456789\n"}});
    slot->cgroup(
        "cpuset", path,
        {{"cpuset.cpus", "0-1\n"}, {"cpuset.mems", "0\n"}, {"cpuset.effective_cpus", "0-1\n"}});
    slot->cgroup("memory", path,
                 {{"memory.soft_limit_in_bytes", "9223372036854771712\n"},
                  {"memory.limit_in_bytes", "9223372036854771712\n"},
                  {"memory.usage_in_bytes", "12288\n"},
                  {"memory.stat", memory_stat},
                  {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"}});
    slot->cgroup("io", path,
                 {{"blkio.bfq.weight", "default 100\n"},
                  {"blkio.throttle.read_bps_device", ""},
                  {"blkio.throttle.write_bps_device", ""},
                  {"blkio.throttle.read_iops_device", ""},
                  {"blkio.throttle.write_iops_device", ""},
                  {"blkio.throttle.io_service_bytes",
                   "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 0\n8:0 Discard 0\n"
                   "8:0 Total 12288\nTotal 12288\n"},
                  {"blkio.throttle.io_serviced",
                   "8:0 Read 1\n8:0 Write 2\n8:0 Sync 0\n8:0 Async 0\n8:0 Discard 0\n"
                   "8:0 Total 3\nTotal 3\n"}});
    slot->cgroup("pids", path, {{"pids.max", "max\n"}, {"pids.current", "3\n"}});
    slot->cgroup(
        "unified", path,
        {{"cpu.pressure", kPressure}, {"memory.pressure", kPressure}, {"io.pressure", kPressure}});
  }
  return *slot;
}

enum class What { kFull, kStats };

void read_all(benchmark::State& state, FixtureLayout kind, bool keep_open,
              What what = What::kFull) {
  HostFixture& host = fixture(kind);
  const auto layout = dwae::hostfs::detect_layout(dwae::hostfs::HostPaths::for_root(host.root()));
  if (!layout) {
    state.SkipWithError(layout.error().message.c_str());
    return;
  }
  std::vector<dwae::hostfs::CgroupDirs> dirs;
  for (int i = 0; i < kWorkloads; ++i) {
    dirs.push_back(
        dwae::hostfs::dirs_for_path(*layout, "/system.slice/svc" + std::to_string(i) + ".service"));
  }
  // Thousands of files stay open with keep_open; the agent raises RLIMIT_NOFILE the same way.
  rlimit limit{65536, 65536};
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {  // without CAP_SYS_RESOURCE: up to the hard limit
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  std::vector<dwae::hostfs::CgroupHandle> handles;
  for (const auto& d : dirs) handles.emplace_back(d, keep_open);
  const dwae::hostfs::CgroupReader reader(*layout);
  for (auto _ : state) {
    for (auto& h : handles) {
      if (what == What::kStats) {
        auto stats = reader.read_stats(h);
        if (!stats) {
          state.SkipWithError(stats.error().message.c_str());
          return;
        }
        benchmark::DoNotOptimize(stats);
        continue;
      }
      auto snap = reader.read(h);
      if (!snap) {
        state.SkipWithError(snap.error().message.c_str());
        return;
      }
      benchmark::DoNotOptimize(snap);
    }
  }
  state.SetItemsProcessed(state.iterations() * kWorkloads);
  // Printed with an "s" suffix by the library, but the unit is microseconds per workload.
  state.counters["us_per_workload"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kWorkloads * 1e-6,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// One-shot: open, read and close every file (what `dwae inspect` does).
void BM_OneShotReadHybrid1000(benchmark::State& state) {
  read_all(state, FixtureLayout::kHybrid, false);
}
// Periodic: files kept open in a CgroupHandle, one pread each (what the control loop does).
void BM_FullReadHybrid1000(benchmark::State& state) {
  read_all(state, FixtureLayout::kHybrid, true);
}
void BM_FullReadUnified1000(benchmark::State& state) {
  read_all(state, FixtureLayout::kV2, true);
}
// The per-tick sample: statistics and PSI only, files kept open.
void BM_StatsSampleHybrid1000(benchmark::State& state) {
  read_all(state, FixtureLayout::kHybrid, true, What::kStats);
}
void BM_StatsSampleUnified1000(benchmark::State& state) {
  read_all(state, FixtureLayout::kV2, true, What::kStats);
}

void BM_Discover1000Services(benchmark::State& state) {
  HostFixture& host = fixture(FixtureLayout::kHybrid);
  const auto paths = dwae::hostfs::HostPaths::for_root(host.root());
  const auto layout = dwae::hostfs::detect_layout(paths);
  dwae::config::Config cfg;
  dwae::config::WorkloadRule rule;
  rule.name = "svc";
  rule.class_name = "best-effort";
  rule.match.kind = dwae::config::MatchRule::Kind::kSystemdUnit;
  rule.match.pattern = "svc*.service";
  cfg.workloads.push_back(rule);
  const dwae::discovery::Discovery discovery(*layout, dwae::hostfs::ProcFs(paths));
  for (auto _ : state) {
    auto ws = discovery.discover(cfg);
    if (!ws || ws->size() != kWorkloads) {
      state.SkipWithError("discovery did not find 1000 workloads");
      return;
    }
    benchmark::DoNotOptimize(ws);
  }
  state.SetItemsProcessed(state.iterations() * kWorkloads);
}

// The floor under every file read on this machine: one trivial system call.
void BM_SyscallFloor(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(::getppid());
}

BENCHMARK(BM_SyscallFloor);
BENCHMARK(BM_OneShotReadHybrid1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullReadHybrid1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullReadUnified1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StatsSampleHybrid1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StatsSampleUnified1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Discover1000Services)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
