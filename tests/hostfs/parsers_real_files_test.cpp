// Feeds files of the machine running the tests to the parsers: the literal-string tests can only
// cover the formats we thought of, a live kernel shows the ones it actually writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <initializer_list>
#include <string>

#include "dwae/common/file.h"
#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {
namespace {

// Reads the first of `paths` that exists: cgroup v1 hosts and v2 hosts place files differently.
std::string read_first_existing(std::initializer_list<const char*> paths) {
  for (const char* path : paths) {
    auto text = read_file(path);
    if (text.ok()) return std::move(text).value();
    EXPECT_TRUE(is_missing(text.error())) << path << ": " << text.error().message;
  }
  ADD_FAILURE() << "none of the candidate files exists, first: " << *paths.begin();
  return {};
}

TEST(ParsersOnThisMachine, Mountinfo) {
  const auto text = read_first_existing({"/proc/self/mountinfo"});
  const auto mounts = parse_mountinfo(text);
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  bool has_root = false, has_cgroup = false;
  for (const auto& mount : *mounts) {
    has_root |= mount.mount_point == "/";
    has_cgroup |= mount.fs_type == "cgroup" || mount.fs_type == "cgroup2";
  }
  EXPECT_TRUE(has_root);
  EXPECT_TRUE(has_cgroup);
}

TEST(ParsersOnThisMachine, ProcSelfCgroup) {
  const auto entries = parse_proc_cgroup(read_first_existing({"/proc/self/cgroup"}));
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  EXPECT_FALSE(entries->empty());
}

TEST(ParsersOnThisMachine, ProcSelfStatAndSchedstat) {
  const auto stat = parse_proc_stat(read_first_existing({"/proc/self/stat"}));
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_EQ(stat->pid, getpid());
  EXPECT_EQ(stat->ppid, getppid());
  EXPECT_EQ(stat->state, 'R');
  EXPECT_GE(stat->processor, 0);

  const auto sched = parse_task_schedstat(read_first_existing({"/proc/self/schedstat"}));
  ASSERT_TRUE(sched.ok()) << sched.error().message;
  EXPECT_GT(sched->run_ns, 0u);
}

TEST(ParsersOnThisMachine, ProcSchedstat) {
  // Only kernels built with CONFIG_SCHEDSTATS have it; the development VM's kernel does not.
  const auto text = read_file("/proc/schedstat");
  if (!text.ok() && is_missing(text.error())) {
    GTEST_SKIP() << "/proc/schedstat is absent (kernel without CONFIG_SCHEDSTATS)";
  }
  ASSERT_TRUE(text.ok()) << text.error().message;
  const auto cpus = parse_proc_schedstat(*text);
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  EXPECT_FALSE(cpus->empty());
}

TEST(ParsersOnThisMachine, SystemPressure) {
  for (const char* path : {"/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io"}) {
    const auto pressure = parse_pressure(read_first_existing({path}));
    ASSERT_TRUE(pressure.ok()) << path << ": " << pressure.error().message;
  }
}

TEST(ParsersOnThisMachine, CgroupCpuFiles) {
  const auto stat = parse_flat_keyed(
      read_first_existing({"/sys/fs/cgroup/cpu/cpu.stat", "/sys/fs/cgroup/cpu.stat"}));
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_FALSE(stat->empty());

  const auto cpus = parse_cpu_list(read_first_existing(
      {"/sys/fs/cgroup/cpuset/cpuset.effective_cpus", "/sys/fs/cgroup/cpuset.cpus.effective"}));
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  EXPECT_FALSE(cpus->empty());
  EXPECT_EQ(parse_cpu_list(format_cpu_list(*cpus)).value(), *cpus);
}

TEST(ParsersOnThisMachine, CgroupMemoryFiles) {
  const auto stat = parse_flat_keyed(
      read_first_existing({"/sys/fs/cgroup/memory/memory.stat", "/sys/fs/cgroup/memory.stat"}));
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_FALSE(stat->empty());
}

}  // namespace
}  // namespace dwae::hostfs
