// RealFileSystem keeps files open: regular files are truncated on write, and a cgroup removed
// and made again under the same name is reopened instead of failing.
#include "dwae/actuator/filesystem.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwae/common/file.h"
#include "dwae/common/strings.h"
#include "real_cgroup_fixture.h"
#include "support/temp_dir.h"

namespace dwae::actuator {
namespace {

using test_support::RealCgroupTest;

TEST(RealFileSystem, ShorterValueReplacesALongerOneInARegularFile) {
  test::TempDir dir;
  dir.write("f", "12345\n");
  RealFileSystem fs;
  ASSERT_TRUE(fs.write(dir.path() + "/f", "7").ok());
  EXPECT_EQ(fs.read(dir.path() + "/f").value(), "7");
  EXPECT_EQ(fs.open_files(), 1u);
  EXPECT_FALSE(fs.read(dir.path() + "/missing").ok());
  EXPECT_TRUE(fs.is_symlink(dir.path() + "/f").ok());
  EXPECT_FALSE(*fs.is_symlink(dir.path() + "/f"));
}

TEST(RealFileSystem, BoundedNumberOfOpenFiles) {
  test::TempDir dir;
  RealFileSystem fs(2);
  for (int i = 0; i < 5; ++i) {
    dir.write("f" + std::to_string(i), "x");
    ASSERT_TRUE(fs.read(dir.path() + "/f" + std::to_string(i)).ok());
  }
  EXPECT_LE(fs.open_files(), 2u);
}

TEST_F(RealCgroupTest, RecreatedCgroupIsReopened) {
  const std::string dir = sandbox_.dir("cpu", "w");
  const std::string file = dir + (v1(hostfs::Controller::kCpu) ? "/cpu.shares" : "/cpu.weight");
  RealFileSystem fs;
  ASSERT_TRUE(fs.write(file, "200").ok());
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_TRUE(fs.write(file, "300").ok());
  EXPECT_EQ(trim(fs.read(file).value()), "300");
}

TEST_F(RealCgroupTest, OutsideChangesArePickedUpAfterRefreshTicks) {
  options_.refresh_ticks = 2;
  const std::string file = workload_.files.dirs.get(hostfs::Controller::kCpu) +
                           (v1(hostfs::Controller::kCpu) ? "/cpu.shares" : "/cpu.weight");
  RealFileSystem fs;
  auto a = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(a.ok());
  a->set_workloads({workload_});
  Decision d;
  d.workloads.push_back(WorkloadDecision{"w", {}});
  d.workloads[0].targets.cpu_weight = 300;
  ASSERT_EQ(a->apply(d).workloads_applied, 1u);
  const std::string ours = std::string(trim(test::read_text(file)));
  ASSERT_TRUE(
      write_file(file, v1(hostfs::Controller::kCpu) ? "1024" : "100").ok());  // someone else
  size_t ticks = 0;
  while (std::string(trim(test::read_text(file))) != ours && ticks < 5) {
    ASSERT_EQ(a->apply(d).workloads_applied, 1u);
    ++ticks;
  }
  EXPECT_EQ(std::string(trim(test::read_text(file))), ours);
  EXPECT_LE(ticks, 2u);  // within refresh_ticks applies
  EXPECT_GE(ticks, 1u);
  ASSERT_TRUE(a->restore().ok());
}

}  // namespace
}  // namespace dwae::actuator
