// HostFixture: mountinfo lines modelled on a Debian 12 host (systemd hybrid and unified modes).
#include "support/host_fixture.h"

#include <filesystem>

namespace dwae::test {
namespace {

constexpr const char* kTmpfs =
    "25 20 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n";
constexpr const char* kUnified =
    "27 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
    "cgroup2 rw,nsdelegate\n";
constexpr const char* kV1 =
    "28 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
    "cgroup rw,xattr,name=systemd\n"
    "29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup "
    "cgroup rw,cpu,cpuacct\n"
    "30 25 0:27 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:13 - cgroup "
    "cgroup rw,cpuset\n"
    "31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup "
    "cgroup rw,memory\n"
    "32 25 0:29 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
    "cgroup rw,blkio\n"
    "33 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup "
    "cgroup rw,pids\n"
    "34 25 0:31 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:17 - cgroup "
    "cgroup rw,freezer\n";
constexpr const char* kV2Only =
    "26 20 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
constexpr const char* kRootAndProc =
    "20 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "22 20 0:5 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n";

}  // namespace

HostFixture::HostFixture(FixtureLayout layout) : layout_(layout) {
  std::string mountinfo = kRootAndProc;
  switch (layout) {
    case FixtureLayout::kV1:
      mountinfo += std::string(kTmpfs) + kV1;
      break;
    case FixtureLayout::kHybrid:
      mountinfo += std::string(kTmpfs) + kUnified + kV1;
      dir_.write("sys/fs/cgroup/unified/cgroup.controllers", "\n");
      dir_.write("sys/fs/cgroup/unified/cpu.pressure",
                 "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                 "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
      break;
    case FixtureLayout::kV2:
      mountinfo += kV2Only;
      dir_.write("sys/fs/cgroup/cgroup.controllers",
                 "cpuset cpu io memory hugetlb pids rdma misc\n");
      dir_.write("sys/fs/cgroup/cpu.pressure",
                 "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                 "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
      break;
  }
  dir_.write("proc/self/mountinfo", mountinfo);
  dir_.write("proc/pressure/cpu",
             "some avg10=1.50 avg60=0.80 avg300=0.20 total=123456\n"
             "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  if (layout != FixtureLayout::kV2) {
    for (const char* m :
         {"cpu,cpuacct", "cpuset", "memory", "blkio", "pids", "freezer", "systemd"}) {
      dir_.mkdir(std::string("sys/fs/cgroup/") + m);
    }
  }
}

std::string HostFixture::mount(const std::string& controller) const {
  if (layout_ == FixtureLayout::kV2) return "sys/fs/cgroup";
  if (controller == "unified") return "sys/fs/cgroup/unified";
  if (controller == "cpu" || controller == "cpuacct") return "sys/fs/cgroup/cpu,cpuacct";
  if (controller == "io") return "sys/fs/cgroup/blkio";
  return "sys/fs/cgroup/" + controller;
}

void HostFixture::cgroup(const std::string& controller, const std::string& path,
                         const std::map<std::string, std::string>& files) const {
  const std::string base = mount(controller) + path;
  dir_.mkdir(base);
  for (const auto& [name, content] : files) dir_.write(base + "/" + name, content);
}

void HostFixture::remove(const std::string& relative) const {
  std::filesystem::remove_all(root() + "/" + relative);
}

}  // namespace dwae::test
