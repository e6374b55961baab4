// CgroupHandle: statistics files stay open and re-read fresh values; settings files do not
// stay open; a removed real cgroup reads as an error.
#include <gtest/gtest.h>
#include <unistd.h>

#include "dwae/hostfs/reader.h"
#include "support/cgroup_sandbox.h"
#include "support/host_fixture.h"

namespace dwae::hostfs {
namespace {

using test::FixtureLayout;
using test::HostFixture;

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

}  // namespace
}  // namespace dwae::hostfs
