// The BFQ I/O weight on a real loop device switched to the bfq scheduler: written through the
// actuator, read back from the kernel, restored; the loop device is removed afterwards.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>

#include "dwae/actuator/cgroup_actuator.h"
#include "dwae/common/strings.h"
#include "real_cgroup_fixture.h"
#include "support/process.h"

namespace dwae::actuator {
namespace {

using hostfs::Controller;
using test_support::RealCgroupTest;

// A 64 MiB file-backed loop device with the bfq scheduler, detached on destruction.
class BfqLoopDevice {
 public:
  explicit BfqLoopDevice(const std::string& dir) : backing_(dir + "/loop.img") {
    std::ofstream(backing_).close();
    if (::truncate(backing_.c_str(), 64ll << 20) != 0) error_ = "cannot size " + backing_;
    const auto r = dwae::test::run_process({"losetup", "--find", "--show", backing_});
    device_ = std::string(trim(r.out));
    if (r.exit_code != 0 || device_.empty()) {
      error_ = "losetup failed: " + r.err;
      return;
    }
    const std::string name = device_.substr(device_.rfind('/') + 1);
    scheduler_ = "/sys/block/" + name + "/queue/scheduler";
    std::ofstream(scheduler_) << "bfq";
    if (dwae::test::read_text(scheduler_).find("[bfq]") == std::string::npos) {
      error_ = "bfq not selectable on " + device_ + ": " + dwae::test::read_text(scheduler_);
    }
  }
  ~BfqLoopDevice() {
    if (!device_.empty()) dwae::test::run_process({"losetup", "--detach", device_});
  }
  const std::string& error() const { return error_; }
  const std::string& device() const { return device_; }

 private:
  std::string backing_, device_, scheduler_, error_;
};

TEST_F(RealCgroupTest, BfqWeightOnALoopDeviceIsWrittenReadBackAndRestored) {
  BfqLoopDevice loop(state_.path());
  ASSERT_TRUE(loop.error().empty()) << loop.error();
  const std::string weight_file =
      v1(Controller::kIo) ? "blkio.bfq.weight"
                          : (workload_.files.io_weight_is_bfq ? "io.bfq.weight" : "io.weight");
  const std::string path = file(Controller::kIo, weight_file);
  ASSERT_EQ(::access(path.c_str(), F_OK), 0) << path << " missing although bfq is active";
  const std::string original = dwae::test::read_text(path);

  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok()) << actuator.error().message;
  actuator->set_workloads({workload_});
  Decision d;
  d.workloads.push_back(WorkloadDecision{"w", {}});
  d.workloads[0].targets.io_weight = 300;
  const auto report = actuator->apply(d);
  for (const auto& f : report.fields) EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  EXPECT_NE(dwae::test::read_text(path).find("300"), std::string::npos)
      << dwae::test::read_text(path);
  ASSERT_TRUE(actuator->restore().ok());
  EXPECT_EQ(dwae::test::read_text(path), original);
}

TEST_F(RealCgroupTest, IoLimitOnALoopDeviceIsWrittenReadBackAndRemoved) {
  BfqLoopDevice loop(state_.path());
  ASSERT_TRUE(loop.error().empty()) << loop.error();
  struct stat st {};
  ASSERT_EQ(::stat(loop.device().c_str(), &st), 0);
  const uint32_t major = ::major(st.st_rdev);
  const uint32_t minor = ::minor(st.st_rdev);
  const std::string file = v1(Controller::kIo) ? "blkio.throttle.read_bps_device" : "io.max";
  const std::string path = this->file(Controller::kIo, file);
  const std::string original = dwae::test::read_text(path);

  RealFileSystem fs;
  auto actuator = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(actuator.ok()) << actuator.error().message;
  actuator->set_workloads({workload_});
  Decision d;
  d.workloads.push_back(WorkloadDecision{"w", {}});
  d.workloads[0].targets.io_limits =
      std::vector<IoDeviceLimit>{{major, minor, 1048576, kNoLimit, kNoLimit, 500}};
  const auto report = actuator->apply(d);
  for (const auto& f : report.fields) EXPECT_TRUE(f.ok) << f.field << ": " << f.message;
  const std::string dev = std::to_string(major) + ":" + std::to_string(minor);
  const std::string now = dwae::test::read_text(path);
  EXPECT_NE(now.find(dev), std::string::npos) << now;
  EXPECT_NE(now.find("1048576"), std::string::npos) << now;
  if (v1(Controller::kIo)) {
    const std::string wiops =
        dwae::test::read_text(this->file(Controller::kIo, "blkio.throttle.write_iops_device"));
    EXPECT_NE(wiops.find(dev + " 500"), std::string::npos) << wiops;
  }
  ASSERT_TRUE(actuator->restore().ok());
  EXPECT_EQ(dwae::test::read_text(path), original);
}

}  // namespace
}  // namespace dwae::actuator
