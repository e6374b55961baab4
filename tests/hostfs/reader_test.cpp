// CgroupReader on literal v1 and v2 fixture trees, and on real cgroups of this machine.
#include "dwae/hostfs/reader.h"

#include <gtest/gtest.h>

#include "dwae/common/file.h"
#include "support/cgroup_sandbox.h"
#include "support/host_fixture.h"

namespace dwae::hostfs {
namespace {

using test::FixtureLayout;
using test::HostFixture;

// A fixture host's cgroup at `path`, read once in full through a handle, for tick refreshes.
struct TickReads {
  TickReads(const HostFixture& host, const std::string& path)
      : layout(detect_layout(HostPaths::for_root(host.root())).value()),
        reader(layout),
        dirs(dirs_for_path(layout, path)),
        handle(dirs, false) {
    auto full = reader.read_stats(handle);
    EXPECT_TRUE(full.ok()) << full.error().message;
    if (full) stats = *full;
  }
  CgroupLayout layout;
  CgroupReader reader;
  CgroupDirs dirs;
  CgroupHandle handle;
  CgroupStats stats;
};

constexpr const char* kPressure =
    "some avg10=2.50 avg60=1.00 avg300=0.10 total=5000\n"
    "full avg10=1.25 avg60=0.50 avg300=0.05 total=2500\n";

TEST(Reader, HybridHostMapsV1NamesToSnapshotFields) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/svc",
              {{"cpu.shares", "512\n"},
               {"cpu.cfs_quota_us", "50000\n"},
               {"cpu.cfs_period_us", "100000\n"},
               {"cpu.cfs_burst_us", "1000\n"},
               {"cpu.idle", "0\n"},
               {"cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 5000000\n"},
               {"cpuacct.usage", "123456789\n"}});
  host.cgroup("cpuset", "/svc", {{"cpuset.cpus", "0-1\n"}, {"cpuset.mems", "0\n"}});
  host.cgroup("memory", "/svc",
              {{"memory.soft_limit_in_bytes", "1048576\n"},
               {"memory.limit_in_bytes", "9223372036854771712\n"},
               {"memory.usage_in_bytes", "4096000\n"},
               {"memory.stat", "cache 4096\nrss 8192\ntotal_pgfault 77\ntotal_pgmajfault 3\n"},
               {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n"}});
  host.cgroup("io", "/svc",
              {{"blkio.bfq.weight", "default 300\n"},
               {"blkio.throttle.read_bps_device", "8:0 1048576\n"},
               {"blkio.throttle.write_iops_device", "8:0 100\n"},
               {"blkio.throttle.io_service_bytes",
                "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n"
                "8:0 Async 0\n8:0 Discard 0\n8:0 Total "
                "12288\nTotal 12288\n"},
               {"blkio.throttle.io_serviced",
                "8:0 Read 1\n8:0 Write 2\n8:0 Sync 0\n8:0 Async 0\n"
                "8:0 Discard 0\n8:0 Total 3\nTotal 3\n"}});
  host.cgroup("pids", "/svc", {{"pids.max", "max\n"}, {"pids.current", "7\n"}});
  host.cgroup("unified", "/svc", {{"cpu.pressure", kPressure}});

  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  const CgroupReader reader(*layout);
  const auto snap = reader.read(dirs_for_path(*layout, "/svc"));
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  const auto& s = snap->settings;
  EXPECT_EQ(s.cpu.shares, 512u);
  EXPECT_FALSE(s.cpu.weight.has_value());
  ASSERT_TRUE(s.cpu.max.has_value());
  EXPECT_EQ(s.cpu.max->quota_us, 50000u);
  EXPECT_EQ(s.cpu.max->period_us, 100000u);
  EXPECT_EQ(s.cpu.burst_us, 1000u);
  EXPECT_EQ(s.cpu.idle, false);
  EXPECT_EQ(s.cpuset.cpus, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(s.memory.low, 1048576u);
  EXPECT_EQ(s.memory.max, kUnlimited);
  EXPECT_FALSE(s.memory.high.has_value());
  ASSERT_TRUE(s.io.weight.has_value());
  EXPECT_EQ(s.io.weight->default_weight, 300u);
  ASSERT_EQ(s.io.limits.size(), 1u);
  EXPECT_EQ(s.io.limits[0].rbps, 1048576u);
  EXPECT_EQ(s.io.limits[0].wiops, 100u);
  EXPECT_EQ(s.io.limits[0].wbps, kUnlimited);
  EXPECT_EQ(s.pids_max, kUnlimited);

  const auto& st = snap->stats;
  EXPECT_EQ(st.cpu_usage_ns, 123456789u);
  EXPECT_EQ(st.nr_throttled, 2u);
  EXPECT_EQ(st.throttled_ns, 5000000u);
  EXPECT_EQ(st.memory_current_bytes, 4096000u);
  EXPECT_EQ(st.memory_anon_bytes, 8192u);
  EXPECT_EQ(st.pgfault, 77u);
  EXPECT_EQ(st.oom_kills, 4u);
  ASSERT_TRUE(st.io.has_value());
  ASSERT_EQ(st.io->size(), 1u);
  EXPECT_EQ((*st.io)[0].rbytes, 4096u);
  EXPECT_EQ((*st.io)[0].wios, 2u);
  EXPECT_EQ(st.pids_current, 7u);
  ASSERT_TRUE(st.cpu_pressure.has_value());
  EXPECT_DOUBLE_EQ(st.cpu_pressure->some.avg10, 2.5);
  EXPECT_FALSE(st.memory_pressure.has_value());  // file absent: field absent
}

TEST(Reader, UnifiedHostReadsV2Names) {
  HostFixture host(FixtureLayout::kV2);
  host.cgroup("cpu", "/web.slice",
              {{"cpu.weight", "250\n"},
               {"cpu.max", "max 100000\n"},
               {"cpu.max.burst", "0\n"},
               {"cpu.stat",
                "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 0\n"
                "nr_throttled 0\nthrottled_usec 7\n"},
               {"cpuset.cpus", "\n"},
               {"memory.min", "0\n"},
               {"memory.low", "268435456\n"},
               {"memory.high", "max\n"},
               {"memory.max", "1073741824\n"},
               {"memory.current", "1000\n"},
               {"memory.stat", "anon 10\nfile 20\npgfault 30\npgmajfault 1\n"},
               {"memory.events", "low 0\nhigh 5\nmax 0\noom 0\noom_kill 1\n"},
               {"io.weight", "default 100\n8:16 200\n"},
               {"io.max", "8:16 rbps=2097152 wbps=max riops=max wiops=120\n"},
               {"io.stat", "8:16 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n"},
               {"pids.current", "3\n"},
               {"memory.pressure", kPressure}});
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  const auto snap = CgroupReader(*layout).read(dirs_for_path(*layout, "/web.slice"));
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  const auto& s = snap->settings;
  EXPECT_EQ(s.cpu.weight, 250u);
  ASSERT_TRUE(s.cpu.max.has_value());
  EXPECT_FALSE(s.cpu.max->quota_us.has_value());
  EXPECT_EQ(s.cpuset.cpus, std::vector<uint32_t>{});
  EXPECT_EQ(s.memory.low, 268435456u);
  EXPECT_EQ(s.memory.high, kUnlimited);
  EXPECT_EQ(s.memory.max, 1073741824u);
  EXPECT_EQ(s.io.weight->per_device.size(), 1u);
  ASSERT_EQ(s.io.limits.size(), 1u);
  EXPECT_EQ(s.io.limits[0].wiops, 120u);
  const auto& st = snap->stats;
  EXPECT_EQ(st.cpu_usage_ns, 2000000u);
  EXPECT_EQ(st.cpu_user_ns, 1500000u);
  EXPECT_EQ(st.throttled_ns, 7000u);
  EXPECT_EQ(st.memory_high_events, 5u);
  EXPECT_EQ(st.oom_kills, 1u);
  EXPECT_EQ((*st.io)[0].wios, 4u);
  ASSERT_TRUE(st.memory_pressure.has_value());
  ASSERT_TRUE(st.memory_pressure->full.has_value());
  EXPECT_EQ(st.memory_pressure->full->total_us, 2500u);
}

// A tick refresh re-reads CPU usage and throttling, memory in use and PSI, and leaves the
// fields of the slower files (memory.stat, OOM, blkio, pids, cpuacct user/sys) as the last full
// read left them.
TEST(Reader, TickRefreshUpdatesOnlyTheTickFields) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/svc",
              {{"cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n"},
               {"cpuacct.usage", "1000\n"},
               {"cpuacct.usage_user", "600\n"},
               {"cpuacct.usage_sys", "400\n"}});
  host.cgroup("memory", "/svc",
              {{"memory.usage_in_bytes", "4096\n"},
               {"memory.stat", "cache 1\nrss 2\ntotal_pgfault 77\ntotal_pgmajfault 3\n"},
               {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n"}});
  host.cgroup("pids", "/svc", {{"pids.current", "7\n"}});
  host.cgroup("unified", "/svc", {{"cpu.pressure", kPressure}});

  TickReads t(host, "/svc");
  const CgroupReader& reader = t.reader;
  const CgroupDirs& dirs = t.dirs;
  CgroupHandle& handle = t.handle;
  CgroupStats& stats = t.stats;

  const auto rewrite = [&](Controller c, const char* name, const char* text) {
    ASSERT_TRUE(write_file(dirs.get(c) + "/" + name, text).ok()) << name;
  };
  rewrite(Controller::kCpu, "cpu.stat", "nr_periods 20\nnr_throttled 5\nthrottled_time 9000\n");
  rewrite(Controller::kCpuacct, "cpuacct.usage", "2000\n");
  rewrite(Controller::kCpuacct, "cpuacct.usage_user", "1600\n");
  rewrite(Controller::kMemory, "memory.usage_in_bytes", "8192\n");
  rewrite(Controller::kMemory, "memory.stat", "cache 1\nrss 2\ntotal_pgfault 99\n");
  rewrite(Controller::kMemory, "memory.oom_control", "oom_kill 5\n");
  rewrite(Controller::kPids, "pids.current", "9\n");
  ASSERT_TRUE(write_file(dirs.unified + "/cpu.pressure",
                         "some avg10=0.00 avg60=0.00 avg300=0.00 total=7000\n")
                  .ok());

  ASSERT_TRUE(reader.refresh_tick_stats(handle, stats).ok());
  EXPECT_EQ(stats.cpu_usage_ns, 2000u);
  EXPECT_EQ(stats.nr_periods, 20u);
  EXPECT_EQ(stats.nr_throttled, 5u);
  EXPECT_EQ(stats.throttled_ns, 9000u);
  EXPECT_EQ(stats.memory_current_bytes, 8192u);
  ASSERT_TRUE(stats.cpu_pressure.has_value());
  EXPECT_EQ(stats.cpu_pressure->some.total_us, 7000u);
  // As the full read left them.
  EXPECT_EQ(stats.cpu_user_ns, 600u);
  EXPECT_EQ(stats.pgfault, 77u);
  EXPECT_EQ(stats.oom_kills, 4u);
  EXPECT_EQ(stats.pids_current, 7u);

  // The next full read sees everything.
  auto again = reader.read_stats(handle);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->cpu_user_ns, 1600u);
  EXPECT_EQ(again->pgfault, 99u);
  EXPECT_EQ(again->oom_kills, 5u);
  EXPECT_EQ(again->pids_current, 9u);
}

// A v1 cpu.stat holds only bandwidth counters, all zero until a quota has applied: a tick skips
// it while the last read shows no period, and reads it every tick once one did.
TEST(Reader, TickRefreshSkipsV1CpuStatUntilAQuotaPeriodShows) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/svc",
              {{"cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"},
               {"cpuacct.usage", "1000\n"}});
  TickReads t(host, "/svc");
  const CgroupReader& reader = t.reader;
  const CgroupDirs& dirs = t.dirs;
  CgroupHandle& handle = t.handle;
  CgroupStats& stats = t.stats;
  EXPECT_EQ(stats.nr_periods, 0u);

  // A quota now applies, but no read has seen a period yet: the tick reads usage only.
  ASSERT_TRUE(write_file(dirs.get(Controller::kCpu) + "/cpu.stat",
                         "nr_periods 3\nnr_throttled 1\nthrottled_time 700\n")
                  .ok());
  ASSERT_TRUE(write_file(dirs.get(Controller::kCpuacct) + "/cpuacct.usage", "2000\n").ok());
  ASSERT_TRUE(reader.refresh_tick_stats(handle, stats).ok());
  EXPECT_EQ(stats.cpu_usage_ns, 2000u);
  EXPECT_EQ(stats.nr_periods, 0u);
  EXPECT_EQ(stats.throttled_ns, 0u);

  // The next full read sees the periods; from then on every tick reads cpu.stat.
  auto again = reader.read_stats(handle);
  ASSERT_TRUE(again.ok()) << again.error().message;
  stats = *again;
  EXPECT_EQ(stats.nr_periods, 3u);
  ASSERT_TRUE(write_file(dirs.get(Controller::kCpu) + "/cpu.stat",
                         "nr_periods 9\nnr_throttled 4\nthrottled_time 2100\n")
                  .ok());
  ASSERT_TRUE(reader.refresh_tick_stats(handle, stats).ok());
  EXPECT_EQ(stats.nr_periods, 9u);
  EXPECT_EQ(stats.nr_throttled, 4u);
  EXPECT_EQ(stats.throttled_ns, 2100u);
}

TEST(Reader, TickRefreshOfVanishedCgroupIsAnError) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/gone", {{"cpuacct.usage", "1\n"}});
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  const auto dirs = dirs_for_path(*layout, "/gone");
  CgroupHandle handle(dirs, false);
  CgroupStats stats;
  host.remove(host.mount("cpu") + "/gone");
  EXPECT_FALSE(CgroupReader(*layout).refresh_tick_stats(handle, stats).ok());
}

TEST(Reader, MissingFilesLeaveFieldsEmptyWithoutError) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/bare");
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  const auto snap = CgroupReader(*layout).read(dirs_for_path(*layout, "/bare"));
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_FALSE(snap->settings.cpu.shares.has_value());
  EXPECT_FALSE(snap->stats.cpu_usage_ns.has_value());
}

TEST(Reader, VanishedCgroupIsAnError) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/gone", {{"cpu.shares", "1024\n"}});
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  const auto dirs = dirs_for_path(*layout, "/gone");
  host.remove(host.mount("cpu") + "/gone");
  const auto snap = CgroupReader(*layout).read(dirs);
  ASSERT_FALSE(snap.ok());
  EXPECT_NE(snap.error().message.find("gone"), std::string::npos);
}

TEST(Reader, GarbledFileIsAnErrorNamingTheFile) {
  HostFixture host(FixtureLayout::kHybrid);
  host.cgroup("cpu", "/bad", {{"cpu.shares", "lots\n"}});
  const auto layout = detect_layout(HostPaths::for_root(host.root()));
  ASSERT_TRUE(layout.ok());
  const auto snap = CgroupReader(*layout).read(dirs_for_path(*layout, "/bad"));
  ASSERT_FALSE(snap.ok());
  EXPECT_NE(snap.error().message.find("cpu.shares"), std::string::npos);
}

TEST(Reader, CgroupPidsListsMembersAndRejectsGarbage) {
  test::TempDir dir;
  dir.write("cg/cgroup.procs", "12\n345\n");
  EXPECT_EQ(read_cgroup_pids(dir.path() + "/cg").value(), (std::vector<int32_t>{12, 345}));
  dir.write("cg/cgroup.procs", "12\nx\n");
  EXPECT_FALSE(read_cgroup_pids(dir.path() + "/cg").ok());
  EXPECT_FALSE(read_cgroup_pids(dir.path() + "/none").ok());
}

// Real cgroups on this machine: values written to the kernel come back through the reader.
TEST(Reader, RealCgroupValuesMatchTheKernelFiles) {
  test::CgroupSandbox sandbox;
  sandbox.create("r");
  const auto layout = detect_layout(HostPaths{});
  ASSERT_TRUE(layout.ok());
  const Hierarchy* cpu = layout->hierarchy(Controller::kCpu);
  const Hierarchy* mem = layout->hierarchy(Controller::kMemory);
  ASSERT_NE(cpu, nullptr);
  ASSERT_NE(mem, nullptr);
  const bool cpu_v1 = cpu->version == CgroupVersion::kV1;
  const bool mem_v1 = mem->version == CgroupVersion::kV1;
  const std::string cpu_dir = sandbox.dir("cpu", "r");
  const std::string mem_dir = sandbox.dir("memory", "r");
  auto put = [](const std::string& path, const std::string& v) {
    ASSERT_TRUE(write_file(path, v).ok()) << path;
  };
  if (cpu_v1) {
    put(cpu_dir + "/cpu.shares", "300");
    put(cpu_dir + "/cpu.cfs_period_us", "50000");
    put(cpu_dir + "/cpu.cfs_quota_us", "20000");
  } else {
    put(cpu_dir + "/cpu.weight", "30");
    put(cpu_dir + "/cpu.max", "20000 50000");
  }
  put(mem_dir + (mem_v1 ? "/memory.limit_in_bytes" : "/memory.max"), "67108864");

  CgroupDirs dirs;
  dirs.get(Controller::kCpu) = cpu_dir;
  dirs.get(Controller::kMemory) = mem_dir;
  const auto snap = CgroupReader(*layout).read(dirs);
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  if (cpu_v1) {
    EXPECT_EQ(snap->settings.cpu.shares, 300u);
  } else {
    EXPECT_EQ(snap->settings.cpu.weight, 30u);
  }
  ASSERT_TRUE(snap->settings.cpu.max.has_value());
  EXPECT_EQ(snap->settings.cpu.max->quota_us, 20000u);
  EXPECT_EQ(snap->settings.cpu.max->period_us, 50000u);
  EXPECT_EQ(snap->settings.memory.max, 67108864u);
  EXPECT_EQ(snap->stats.memory_current_bytes, 0u);
}

}  // namespace
}  // namespace dwae::hostfs
