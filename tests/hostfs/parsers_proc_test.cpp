// Parsers for procfs files: schedstat, <pid>/cgroup, mountinfo, <pid>/stat.
#include <gtest/gtest.h>

#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {
namespace {

TEST(ParseTaskSchedstat, ThreeCounters) {
  const auto stat = parse_task_schedstat("8540730 142581 4\n");  // /proc/self/schedstat
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_EQ(*stat, (TaskSchedstat{8540730, 142581, 4}));
}

TEST(ParseTaskSchedstat, RejectsGarbage) {
  EXPECT_FALSE(parse_task_schedstat("").ok());
  EXPECT_FALSE(parse_task_schedstat("1 2").ok());
  EXPECT_FALSE(parse_task_schedstat("1 2 3 4").ok());
  EXPECT_FALSE(parse_task_schedstat("1 -2 3").ok());
  EXPECT_FALSE(parse_task_schedstat("1 2 x").ok());
}

// A two-CPU /proc/schedstat, version 15 (domain lines shortened).
constexpr std::string_view kProcSchedstat =
    "version 15\n"
    "timestamp 4295069498\n"
    "cpu0 0 0 2279826 717207 1223187 731587 343858469826 51093424117 1488498\n"
    "domain0 00000003 31307 30813 455 43587 4 0 1 30813 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    "cpu1 0 0 2114455 663384 1145532 688141 331004114632 46710129877 1421301\n"
    "domain0 00000003 29914 29476 418 39922 20 0 0 29476 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
    "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

TEST(ParseProcSchedstat, CpuLinesFields7To9) {
  const auto cpus = parse_proc_schedstat(kProcSchedstat);
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  ASSERT_EQ(cpus->size(), 2u);
  EXPECT_EQ((*cpus)[0], (CpuSchedstat{0, 343858469826, 51093424117, 1488498}));
  EXPECT_EQ((*cpus)[1], (CpuSchedstat{1, 331004114632, 46710129877, 1421301}));
}

TEST(ParseProcSchedstat, Version17DomainLinesAreSkipped) {
  const auto cpus = parse_proc_schedstat(
      "version 17\ntimestamp 4294892566\n"
      "cpu0 0 0 0 0 0 0 1297412196 90356405 11\n"
      "domain0 MC 00000003 0 0 0 0 0 0 0 0 0 0 0 0\n");
  ASSERT_TRUE(cpus.ok()) << cpus.error().message;
  ASSERT_EQ(cpus->size(), 1u);
  EXPECT_EQ((*cpus)[0].run_delay_ns, 90356405u);
}

TEST(ParseProcSchedstat, RejectsGarbage) {
  EXPECT_FALSE(parse_proc_schedstat("").ok());
  EXPECT_FALSE(parse_proc_schedstat("version 14\ntimestamp 1\n").ok());
  EXPECT_FALSE(parse_proc_schedstat("cpu0 0 0 0 0 0 0 1 2 3\n").ok());  // no version line
  EXPECT_FALSE(parse_proc_schedstat("version 15\ncpu0 0 0 0 0 0 0 1 2\n").ok());
  EXPECT_FALSE(parse_proc_schedstat("version 15\ncpux 0 0 0 0 0 0 1 2 3\n").ok());
  EXPECT_FALSE(parse_proc_schedstat("version 15\ncpu 0 0 0 0 0 0 1 2 3\n").ok());
  const auto bad = parse_proc_schedstat("version 15\ntimestamp 1\ncpu0 0 0 0 0 0 0 1 -2 3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 3"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(parse_proc_schedstat("version 15\nbogus 1\n").ok());
}

TEST(ParseProcCgroup, HybridV1AndV2) {
  // This machine's /proc/self/cgroup.
  const auto entries = parse_proc_cgroup(
      "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
      "4:memory:/process_api/afdeac84df13f50e85b900e6d0e919b9\n3:cpuset:/\n2:cpuacct:/\n"
      "1:cpu:/\n0::/\n");
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  ASSERT_EQ(entries->size(), 10u);
  EXPECT_EQ((*entries)[0], (ProcCgroupEntry{9, {"name=systemd"}, "/"}));
  EXPECT_EQ((*entries)[5].path, "/process_api/afdeac84df13f50e85b900e6d0e919b9");
  EXPECT_EQ((*entries)[9], (ProcCgroupEntry{0, {}, "/"}));
}

TEST(ParseProcCgroup, CoMountedControllersAndColonsInPath) {
  const auto entries = parse_proc_cgroup(
      "4:cpu,cpuacct:/system.slice/sshd.service\n"
      "0::/user.slice/user-1000.slice/app:weird name \n");
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  // The path is kept verbatim, trailing blank included.
  EXPECT_EQ((*entries)[1].path, "/user.slice/user-1000.slice/app:weird name ");
}

TEST(ParseProcCgroup, RejectsGarbage) {
  EXPECT_FALSE(parse_proc_cgroup("0:/\n").ok());
  EXPECT_FALSE(parse_proc_cgroup("x::/\n").ok());
  EXPECT_FALSE(parse_proc_cgroup("0::relative\n").ok());
  EXPECT_FALSE(parse_proc_cgroup("0:cpu:/\n").ok());
  EXPECT_FALSE(parse_proc_cgroup("4:cpu,,cpuacct:/\n").ok());
  const auto bad = parse_proc_cgroup("1:cpu:/\nno colons here\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
}

TEST(ParseMountinfo, ThisMachineAndKernelDocExample) {
  const auto mounts = parse_mountinfo(
      "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  ASSERT_EQ(mounts->size(), 5u);
  EXPECT_EQ((*mounts)[0],
            (MountEntry{"/", "/", "ext4", "/dev/vda", {"rw", "discard", "resv_strict"}}));
  EXPECT_EQ((*mounts)[1].super_options, (std::vector<std::string>{"rw", "cpu"}));
  EXPECT_EQ((*mounts)[2].super_options, (std::vector<std::string>{"rw", "name=systemd"}));
  EXPECT_EQ((*mounts)[3].fs_type, "cgroup2");
  EXPECT_EQ((*mounts)[4],
            (MountEntry{"/mnt2", "/mnt1", "ext3", "/dev/root", {"rw", "errors=continue"}}));
}

TEST(ParseMountinfo, DecodesEscapesAndSeveralOptionalFields) {
  const auto mounts = parse_mountinfo(
      "101 26 0:50 /a\\134b /mnt/my\\040disk\\011x rw shared:7 master:2 unbindable - tmpfs "
      "my\\040src rw,size=4k\n"
      "102 26 0:51 / /bad\\9escape\\04 rw - tmpfs tmpfs rw\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  ASSERT_EQ(mounts->size(), 2u);
  EXPECT_EQ((*mounts)[0].root, "/a\\b");
  EXPECT_EQ((*mounts)[0].mount_point, "/mnt/my disk\tx");
  EXPECT_EQ((*mounts)[0].source, "my src");
  // Malformed escapes are kept literally.
  EXPECT_EQ((*mounts)[1].mount_point, "/bad\\9escape\\04");
}

TEST(ParseMountinfo, EmptySourceIsKept) {
  const auto mounts = parse_mountinfo("50 26 0:60 / /mnt rw - tmpfs  rw\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  EXPECT_EQ((*mounts)[0].source, "");
}

TEST(ParseMountinfo, RejectsGarbage) {
  EXPECT_FALSE(parse_mountinfo("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw\n")
                   .ok());  // no separator
  EXPECT_FALSE(parse_mountinfo("36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root\n").ok());
  EXPECT_FALSE(parse_mountinfo("36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw extra\n").ok());
  EXPECT_FALSE(parse_mountinfo("x 35 98:0 / /mnt rw - ext3 /dev/root rw\n").ok());
  EXPECT_FALSE(parse_mountinfo("36 35 98 / /mnt rw - ext3 /dev/root rw\n").ok());
  EXPECT_FALSE(parse_mountinfo("36 35\n").ok());
  const auto bad = parse_mountinfo(
      "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
      "garbage\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("mountinfo line 2"), std::string::npos) << bad.error().message;
}

// This machine's /proc/self/stat for `cat`.
constexpr std::string_view kCatStat =
    "4246 (cat) R 4218 4218 3436 0 -1 4194304 119 0 0 0 7 3 0 0 20 0 1 0 28011 3796992 415 "
    "18446744073709551615 94557510328320 94557510348201 140736853037760 0 0 0 0 0 0 0 0 0 17 1 "
    "0 0 0 0 0 94557510364208 94557510365824 94558189490176 140736853043651 140736853043674 "
    "140736853043674 140736853045227 0\n";

TEST(ParseProcStat, FieldsByProcNumbering) {
  const auto stat = parse_proc_stat(kCatStat);
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_EQ(*stat, (ProcStat{4246, "cat", 'R', 4218, 7, 3, 1}));
}

TEST(ParseProcStat, CommWithSpacesAndParentheses) {
  const auto stat = parse_proc_stat(
      "77 (my (odd) ) name) S 1 77 77 0 -1 4194560 10 0 0 0 25 11 0 0 20 0 1 0 100 0 0\n");
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_EQ(stat->comm, "my (odd) ) name");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->utime_ticks, 25u);
  EXPECT_EQ(stat->stime_ticks, 11u);
  EXPECT_EQ(stat->processor, -1);  // the line ends before field 39
}

TEST(ParseProcStat, RejectsGarbage) {
  EXPECT_FALSE(parse_proc_stat("").ok());
  EXPECT_FALSE(parse_proc_stat("4246 cat R 4218").ok());
  EXPECT_FALSE(parse_proc_stat("4246 (cat) R 4218 4218\n").ok());  // ends before stime
  EXPECT_FALSE(parse_proc_stat("x (cat) R 1 1 1 0 -1 0 0 0 0 0 7 3\n").ok());
  EXPECT_FALSE(parse_proc_stat("-5 (cat) R 1 1 1 0 -1 0 0 0 0 0 7 3\n").ok());
  EXPECT_FALSE(parse_proc_stat("1 (cat) RR 1 1 1 0 -1 0 0 0 0 0 7 3\n").ok());
  EXPECT_FALSE(parse_proc_stat("1 (cat)R 1 1 1 0 -1 0 0 0 0 0 7 3\n").ok());
  EXPECT_FALSE(parse_proc_stat("1 )cat( R 1 1 1 0 -1 0 0 0 0 0 7 3\n").ok());
  const auto bad = parse_proc_stat("1 (cat) R 1 1 1 0 -1 0 0 0 0 0 seven 3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("field 14"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace dwae::hostfs
