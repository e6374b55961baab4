// Shared set-up for actuator tests on real cgroups: a sandbox cgroup per test, the host layout,
// a journal in a temporary directory, and the workload description the actuator needs.
#pragma once

#include <gtest/gtest.h>

#include "dwae/actuator/cgroup_actuator.h"
#include "dwae/hostfs/layout.h"
#include "support/cgroup_sandbox.h"
#include "support/temp_dir.h"

namespace dwae::actuator::test_support {

inline hostfs::CgroupDirs sandbox_dirs(const dwae::test::CgroupSandbox& sandbox,
                                       const std::string& child) {
  hostfs::CgroupDirs dirs;
  for (const auto c : hostfs::kAllControllers) {
    const char* name = c == hostfs::Controller::kIo ? "blkio" : hostfs::to_string(c);
    if (sandbox.mount_for(name) != nullptr && !sandbox.mount_for(name)->v2) {
      dirs.get(c) = sandbox.dir(name, child);
    }
  }
  if (sandbox.mount_for("unified") != nullptr) dirs.unified = sandbox.dir("unified", child);
  return dirs;
}

class RealCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_.create("w");
    auto layout = hostfs::detect_layout(hostfs::HostPaths{});
    ASSERT_TRUE(layout.ok());
    layout_ = std::move(layout).value();
    workload_.name = "w";
    workload_.files = files_for(layout_, sandbox_dirs(sandbox_, "w"));
    options_.journal_path = state_.path() + "/journal.json";
    options_.plan = PlanOptions{0.0, 1000.0};
  }

  std::string file(hostfs::Controller c, const std::string& name) const {
    return workload_.files.dirs.get(c) + "/" + name;
  }
  // The file holding the CPU weight on this host (v1 shares or v2 weight).
  std::string weight_file() const {
    return file(hostfs::Controller::kCpu,
                v1(hostfs::Controller::kCpu) ? "cpu.shares" : "cpu.weight");
  }
  // A decision that sets only the CPU weight of workload "w".
  static Decision weight_decision(uint32_t weight) {
    Decision d;
    d.workloads.push_back(WorkloadDecision{"w", {}});
    d.workloads[0].targets.cpu_weight = weight;
    return d;
  }
  // True when any field of the report carries `text` in its message.
  static bool mentions(const ApplyReport& report, std::string_view text) {
    for (const auto& f : report.fields) {
      if (f.message.find(text) != std::string::npos) return true;
    }
    return false;
  }
  bool v1(hostfs::Controller c) const {
    return workload_.files.version[static_cast<size_t>(c)] == hostfs::CgroupVersion::kV1;
  }

  dwae::test::CgroupSandbox sandbox_;
  dwae::test::TempDir state_;
  hostfs::CgroupLayout layout_;
  ManagedWorkload workload_;
  ActuatorOptions options_;
};

}  // namespace dwae::actuator::test_support
