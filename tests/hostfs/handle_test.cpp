// CgroupHandle: statistics files stay open and re-read fresh values; settings files do not
// stay open; a file absent at first is read once it appears; near the descriptor limit files
// are read per read; a removed real cgroup reads as an error, and as itself once made again.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dwae/common/file.h"
#include "dwae/hostfs/reader.h"
#include "support/cgroup_sandbox.h"
#include "support/file_limit.h"
#include "support/host_fixture.h"
#include "support/temp_dir.h"

namespace dwae::hostfs {
namespace {

using test::FixtureLayout;
using test::HostFixture;
using test::ScopedFileLimit;

constexpr const char* kPressure =
    "some avg10=2.50 avg60=1.00 avg300=0.10 total=5000\n"
    "full avg10=1.25 avg60=0.50 avg300=0.05 total=2500\n";

class HandleTest : public ::testing::Test {
 protected:
  HandleTest() : host_(FixtureLayout::kV2) {
    host_.cgroup(
        "cpu", "/s",
        {{"cpu.weight", "100\n"}, {"cpu.stat", "usage_usec 10\n"}, {"memory.current", "4096\n"}});
    layout_ = detect_layout(HostPaths::for_root(host_.root())).value();
  }
  HostFixture host_;
  CgroupLayout layout_;
};

TEST_F(HandleTest, KeepsOnlyStatisticsFilesOpenAndSeesNewValues) {
  CgroupHandle handle(dirs_for_path(layout_, "/s"));
  const CgroupReader reader(layout_);
  auto snap = reader.read(handle);
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_EQ(snap->stats.cpu_usage_ns, 10000u);
  EXPECT_EQ(snap->settings.cpu.weight, 100u);
  EXPECT_EQ(handle.open_files(), 2u);  // cpu.stat and memory.current; cpu.weight was closed
  host_.write(host_.mount("cpu") + "/s/cpu.stat", "usage_usec 25\n");
  host_.write(host_.mount("cpu") + "/s/cpu.weight", "300\n");
  snap = reader.read(handle);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->stats.cpu_usage_ns, 25000u);
  EXPECT_EQ(snap->settings.cpu.weight, 300u);
}

TEST_F(HandleTest, OneShotHandleHoldsNothingAndMovedHandleStillReads) {
  CgroupHandle oneshot(dirs_for_path(layout_, "/s"), false);
  const CgroupReader reader(layout_);
  ASSERT_TRUE(reader.read(oneshot).ok());
  EXPECT_EQ(oneshot.open_files(), 0u);

  CgroupHandle first(dirs_for_path(layout_, "/s"));
  ASSERT_TRUE(reader.read_stats(first).ok());
  CgroupHandle moved(std::move(first));
  EXPECT_EQ(moved.open_files(), 2u);
  const auto stats = reader.read_stats(moved);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->memory_current_bytes, 4096u);
  EXPECT_EQ(moved.open_files(), 2u);  // no descriptor leaked or reopened
}

TEST_F(HandleTest, ForeignDirectoryStringIsRefused) {
  CgroupHandle handle(dirs_for_path(layout_, "/s"));
  const std::string other = handle.dirs().unified;  // same text, not the handle's string
  EXPECT_FALSE(handle.read(other, "cpu.stat", true).ok());
}

TEST_F(HandleTest, MissingDirectoryFailsTheFirstRead) {
  CgroupDirs dirs = dirs_for_path(layout_, "/s");
  dirs.unified += "-gone";
  CgroupHandle handle(dirs);
  EXPECT_FALSE(CgroupReader(layout_).read(handle).ok());
}

TEST_F(HandleTest, FilesAbsentAtFirstAreReadByTheNextFullRead) {
  CgroupHandle handle(dirs_for_path(layout_, "/s"));
  const CgroupReader reader(layout_);
  auto snap = reader.read(handle);
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_FALSE(snap->stats.cpu_pressure.has_value());
  EXPECT_FALSE(snap->stats.memory_anon_bytes.has_value());
  EXPECT_FALSE(snap->settings.cpu.max.has_value());
  // PSI switched on, the memory controller enabled, a setting written: the files appear.
  host_.write(host_.mount("cpu") + "/s/cpu.pressure", kPressure);
  host_.write(host_.mount("cpu") + "/s/memory.stat", "anon 8192\nfile 4096\n");
  host_.write(host_.mount("cpu") + "/s/cpu.max", "50000 100000\n");
  // A tick read does not look for them again...
  CgroupStats stats = snap->stats;
  ASSERT_TRUE(reader.refresh_tick_stats(handle, stats).ok());
  EXPECT_FALSE(stats.cpu_pressure.has_value());
  // ...the next full read does.
  snap = reader.read(handle);
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  ASSERT_TRUE(snap->stats.cpu_pressure.has_value());
  EXPECT_DOUBLE_EQ(snap->stats.cpu_pressure->some.avg10, 2.5);
  EXPECT_EQ(snap->stats.memory_anon_bytes, 8192u);
  ASSERT_TRUE(snap->settings.cpu.max.has_value());
  EXPECT_EQ(snap->settings.cpu.max->quota_us, 50000u);
  // And once found, tick reads keep reading it.
  host_.write(host_.mount("cpu") + "/s/cpu.pressure",
              "some avg10=7.00 avg60=1.00 avg300=0.10 total=9000\n");
  stats = snap->stats;
  ASSERT_TRUE(reader.refresh_tick_stats(handle, stats).ok());
  ASSERT_TRUE(stats.cpu_pressure.has_value());
  EXPECT_DOUBLE_EQ(stats.cpu_pressure->some.avg10, 7.0);
}

TEST_F(HandleTest, NearTheDescriptorLimitStatisticsFilesAreOpenedPerRead) {
  CgroupHandle handle(dirs_for_path(layout_, "/s"));
  const CgroupReader reader(layout_);
  {
    // One descriptor free: enough to open, read and close each file in turn, not to keep two.
    const ScopedFileLimit limit(ScopedFileLimit::lowest_free_descriptor() + 1);
    const auto stats = reader.read_stats(handle);
    ASSERT_TRUE(stats.ok()) << stats.error().message;
    EXPECT_EQ(stats->cpu_usage_ns, 10000u);
    EXPECT_EQ(stats->memory_current_bytes, 4096u);
    EXPECT_EQ(handle.open_files(), 0u);
    CgroupStats ticked = *stats;
    const auto tick = reader.refresh_tick_stats(handle, ticked);
    ASSERT_TRUE(tick.ok()) << tick.error().message;
    EXPECT_EQ(ticked.memory_current_bytes, 4096u);
  }
  // With descriptors to spare again, the next read keeps its statistics files open.
  ASSERT_TRUE(reader.read_stats(handle).ok());
  EXPECT_EQ(handle.open_files(), 2u);
}

TEST_F(HandleTest, WithNoDescriptorLeftAKeptFileIsGivenUpForTheRead) {
  CgroupHandle handle(dirs_for_path(layout_, "/s"));
  const CgroupReader reader(layout_);
  ASSERT_TRUE(reader.read_stats(handle).ok());
  ASSERT_EQ(handle.open_files(), 2u);
  const ScopedFileLimit limit(ScopedFileLimit::lowest_free_descriptor());  // none free
  // cpu.weight, a settings file, needs a descriptor of its own.
  const auto snap = reader.read(handle);
  ASSERT_TRUE(snap.ok()) << snap.error().message;
  EXPECT_EQ(snap->settings.cpu.weight, 100u);
  EXPECT_EQ(snap->stats.cpu_usage_ns, 10000u);
  EXPECT_EQ(snap->stats.memory_current_bytes, 4096u);
  EXPECT_LT(handle.open_files(), 2u);
}

TEST(HandleReal, RemovedCgroupReadsAsVanished) {
  test::CgroupSandbox sandbox;
  sandbox.create("v");
  const auto layout = detect_layout(HostPaths{});
  ASSERT_TRUE(layout.ok());
  CgroupDirs dirs;
  dirs.get(Controller::kMemory) = sandbox.dir("memory", "v");
  CgroupHandle handle(dirs);
  const CgroupReader reader(*layout);
  ASSERT_TRUE(reader.read_stats(handle).ok());
  ASSERT_GT(handle.open_files(), 0u);
  ASSERT_EQ(::rmdir(sandbox.dir("memory", "v").c_str()), 0);
  const auto after = reader.read_stats(handle);
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().message.find("vanished"), std::string::npos) << after.error().message;
}

// The sandbox's child in every hierarchy this host has, as a handle's directories.
CgroupDirs sandbox_dirs(const CgroupLayout& layout, const test::CgroupSandbox& sandbox,
                        const std::string& child) {
  CgroupDirs dirs;
  for (const Controller c : kAllControllers) {
    const Hierarchy* h = layout.hierarchy(c);
    if (h == nullptr) continue;
    const std::string name = h->version == CgroupVersion::kV2 ? "unified" : v1_name(c);
    if (sandbox.mount_for(name) != nullptr) dirs.get(c) = sandbox.dir(name, child);
  }
  if (sandbox.mount_for("unified") != nullptr) dirs.unified = sandbox.dir("unified", child);
  return dirs;
}

TEST(HandleReal, CgroupRemovedAndMadeAgainIsReadAfreshAfterOneFailedRead) {
  test::CgroupSandbox sandbox;
  sandbox.create("r");
  const auto layout = detect_layout(HostPaths{});
  ASSERT_TRUE(layout.ok());
  CgroupHandle handle(sandbox_dirs(*layout, sandbox, "r"));
  const CgroupReader reader(*layout);
  const auto first = reader.read_stats(handle);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const size_t kept = handle.open_files();
  ASSERT_GT(kept, 1u);
  sandbox.remake("r");
  int failed = 0;
  Result<CgroupStats> stats = Error{"not read"};
  for (size_t i = 0; i <= kept && !stats.ok(); ++i) {
    stats = reader.read_stats(handle);
    if (!stats.ok()) ++failed;
  }
  EXPECT_LE(failed, 1);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->cpu_usage_ns.has_value(), first->cpu_usage_ns.has_value());
  EXPECT_EQ(stats->memory_current_bytes.has_value(), first->memory_current_bytes.has_value());
  EXPECT_EQ(stats->pids_current.has_value(), first->pids_current.has_value());
  EXPECT_EQ(stats->cpu_pressure.has_value(), first->cpu_pressure.has_value());
  EXPECT_EQ(handle.open_files(), kept);
}

TEST(HandleReal, CgroupReadWhileRemovedIsReadInFullOnceMadeAgain) {
  test::CgroupSandbox sandbox;
  sandbox.create("r");
  const auto layout = detect_layout(HostPaths{});
  ASSERT_TRUE(layout.ok());
  CgroupHandle handle(sandbox_dirs(*layout, sandbox, "r"));
  const CgroupReader reader(*layout);
  const auto first = reader.read_stats(handle);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->cpu_usage_ns.has_value());
  ASSERT_TRUE(first->memory_current_bytes.has_value());
  sandbox.remove("r");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(reader.read_stats(handle).ok()) << "read " << i;
  sandbox.create("r");
  auto stats = reader.read_stats(handle);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_TRUE(stats->cpu_usage_ns.has_value());
  EXPECT_TRUE(stats->memory_current_bytes.has_value());
  EXPECT_EQ(stats->pids_current.has_value(), first->pids_current.has_value());
  EXPECT_EQ(stats->cpu_pressure.has_value(), first->cpu_pressure.has_value());
  // Tick reads go on from there.
  const auto tick = reader.refresh_tick_stats(handle, *stats);
  EXPECT_TRUE(tick.ok()) << tick.error().message;
}

TEST(HandleReal, PressureSwitchedBackOnShowsAtTheNextFullRead) {
  test::CgroupSandbox sandbox;
  if (sandbox.mount_for("unified") == nullptr) GTEST_SKIP() << "no cgroup v2 mount";
  sandbox.create("p");
  const std::string toggle = sandbox.dir("unified", "p") + "/cgroup.pressure";
  struct stat st {};
  if (::stat(toggle.c_str(), &st) != 0) GTEST_SKIP() << "kernel without cgroup.pressure";
  const auto layout = detect_layout(HostPaths{});
  ASSERT_TRUE(layout.ok());
  CgroupHandle handle(sandbox_dirs(*layout, sandbox, "p"));
  const CgroupReader reader(*layout);
  ASSERT_TRUE(write_file(toggle, "0").ok());
  auto stats = reader.read_stats(handle);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_FALSE(stats->cpu_pressure.has_value());  // EOPNOTSUPP: the feature is off
  ASSERT_TRUE(write_file(toggle, "1").ok());
  stats = reader.read_stats(handle);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_TRUE(stats->cpu_pressure.has_value());
  EXPECT_TRUE(stats->memory_pressure.has_value());
}

}  // namespace
}  // namespace dwae::hostfs
