// Fault injection through the FileSystem seam: EINVAL, ENOENT, EACCES, EBUSY and short writes
// at every position of a transaction each leave the real cgroup exactly as it was.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>

#include "dwae/actuator/cgroup_actuator.h"
#include "real_cgroup_fixture.h"

namespace dwae::actuator {
namespace {

using hostfs::Controller;
using test_support::RealCgroupTest;

enum class Fault { kEinval, kEnoent, kEacces, kEbusy, kShortWrite };

// Passes everything to the real file system except the `fail_at`-th write of a transaction.
class FaultyFileSystem final : public FileSystem {
 public:
  FaultyFileSystem(size_t fail_at, Fault fault) : fail_at_(fail_at), fault_(fault) {}
  Result<std::string> read(const std::string& path) override { return real_.read(path); }
  Result<std::string> resolve(const std::string& path) override { return real_.resolve(path); }
  Result<bool> is_symlink(const std::string& path) override { return real_.is_symlink(path); }
  Status write(const std::string& path, std::string_view value) override {
    if (writes_++ != fail_at_) return real_.write(path, value);
    switch (fault_) {
      case Fault::kEinval:
        return Error::from_errno("write " + path, EINVAL);
      case Fault::kEnoent:
        return Error::from_errno("write " + path, ENOENT);
      case Fault::kEacces:
        return Error::from_errno("write " + path, EACCES);
      case Fault::kEbusy:
        return Error::from_errno("write " + path, EBUSY);
      case Fault::kShortWrite:
        // The kernel took a prefix of the value (which may itself be a valid value).
        (void)real_.write(path, value.substr(0, 1));
        return Error{"short write to " + path};
    }
    return Status::success();
  }
  size_t writes() const { return writes_; }

 private:
  RealFileSystem real_;
  size_t fail_at_;
  Fault fault_;
  size_t writes_ = 0;
};

class FaultTest : public RealCgroupTest {
 protected:
  std::vector<std::string> touched_files() const {
    std::vector<std::string> out;
    const bool cpu_v1 = v1(Controller::kCpu);
    for (const char* f :
         cpu_v1 ? std::vector<const char*>{"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us",
                                           "cpu.cfs_burst_us", "cpu.idle"}
                : std::vector<const char*>{"cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle"}) {
      out.push_back(file(Controller::kCpu, f));
    }
    out.push_back(file(Controller::kCpuset, "cpuset.cpus"));
    out.push_back(file(Controller::kMemory,
                       v1(Controller::kMemory) ? "memory.limit_in_bytes" : "memory.max"));
    out.push_back(file(Controller::kMemory,
                       v1(Controller::kMemory) ? "memory.soft_limit_in_bytes" : "memory.low"));
    return out;
  }
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> m;
    for (const auto& f : touched_files()) m[f] = dwae::test::read_text(f);
    return m;
  }
  static Decision decision() {
    Decision d;
    ResourceTargets& t = d.workloads.emplace_back(WorkloadDecision{"w", {}}).targets;
    t.cpu_weight = 250;
    t.cpu_quota_us = 30000;
    t.cpu_period_us = 60000;
    t.cpu_burst_us = 5000;
    t.cpu_idle = true;
    t.cpuset_cpus = std::vector<uint32_t>{0};
    t.memory_low_bytes = 16ull << 20;
    t.memory_max_bytes = 128ull << 20;
    return d;
  }
};

TEST_F(FaultTest, EveryFaultAtEveryPositionLeavesTheCgroupAsBefore) {
  // A weight other than the default: leaving cpu.idle in a rollback makes the kernel reset the
  // weight to its default, which must not stay.
  const bool cpu_v1 = v1(Controller::kCpu);
  ASSERT_TRUE(RealFileSystem()
                  .write(file(Controller::kCpu, cpu_v1 ? "cpu.shares" : "cpu.weight"),
                         cpu_v1 ? "3072" : "300")
                  .ok());
  const auto original = snapshot();
  // How many writes one clean transaction makes.
  size_t writes = 0;
  {
    FaultyFileSystem counting(SIZE_MAX, Fault::kEinval);
    auto a = CgroupActuator::create(layout_, options_, counting);
    ASSERT_TRUE(a.ok());
    a->set_workloads({workload_});
    const auto report = a->apply(decision());
    ASSERT_EQ(report.workloads_applied, 1u);
    writes = counting.writes();
    ASSERT_TRUE(a->restore().ok());
  }
  ASSERT_GE(writes, 7u);
  ASSERT_EQ(snapshot(), original);

  for (const Fault fault :
       {Fault::kEinval, Fault::kEnoent, Fault::kEacces, Fault::kEbusy, Fault::kShortWrite}) {
    for (size_t at = 0; at < writes; ++at) {
      FaultyFileSystem faulty(at, fault);
      auto a = CgroupActuator::create(layout_, options_, faulty);
      ASSERT_TRUE(a.ok());
      a->set_workloads({workload_});
      const auto report = a->apply(decision());
      EXPECT_EQ(report.workloads_failed, 1u) << "fault " << static_cast<int>(fault) << " at " << at;
      EXPECT_EQ(snapshot(), original) << "fault " << static_cast<int>(fault) << " at write " << at;
      bool rolled_back = false;
      for (const auto& f : report.fields) {
        if (f.field == "rollback") {
          EXPECT_TRUE(f.ok) << f.message;
          rolled_back = true;
        }
      }
      EXPECT_TRUE(rolled_back);
      ASSERT_TRUE(a->restore().ok());  // also clears the journal for the next round
    }
  }
}

}  // namespace
}  // namespace dwae::actuator
