// BlockCollector on the real kernel: O_DIRECT I/O on a loop device this test creates, from two
// workloads in sandbox cgroups (v1 blkio on hybrid hosts): one writes sequentially, one reads
// at random offsets. Each must get its own requests, direction and pattern.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "dwae/telemetry/collectors.h"
#include "support/cgroup_sandbox.h"
#include "support/process.h"
#include "telemetry_test_support.h"

namespace dwae::telemetry {
namespace {

using test::CgroupSandbox;
using test_support::kWorkload;
using test_support::or_die;
using test_support::wait_exit;

// A loop device over a 64 MiB file in /dev/shm (tmpfs: the backing file causes no block I/O of
// its own), detached and deleted again on destruction.
class LoopDevice {
 public:
  LoopDevice() {
    backing_ = "/dev/shm/dwae-loop-" + std::to_string(::getpid());
    const auto made = test::run_process({"truncate", "-s", "64M", backing_});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    const auto attached = test::run_process({"losetup", "--find", "--show", backing_});
    EXPECT_EQ(attached.exit_code, 0) << attached.err;
    device_ = attached.out.substr(0, attached.out.find('\n'));
  }
  ~LoopDevice() {
    if (!device_.empty()) (void)test::run_process({"losetup", "-d", device_});
    std::remove(backing_.c_str());
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& device() const { return device_; }

 private:
  std::string backing_;
  std::string device_;
};

std::string describe(const char* name, const BlockStats& s) {
  return std::string(name) + ": read ios=" + std::to_string(s.read.ios) +
         " seq=" + std::to_string(s.read.sequential_ios) +
         " bytes=" + std::to_string(s.read.bytes) + "; write ios=" + std::to_string(s.write.ios) +
         " seq=" + std::to_string(s.write.sequential_ios) +
         " bytes=" + std::to_string(s.write.bytes) + "; meta=" + std::to_string(s.metadata_ios) +
         " other=" + std::to_string(s.other_ios) + " queued=" + std::to_string(s.queued_ios) +
         " p50_us=" + std::to_string(s.latency.quantile(0.5) / 1e3);
}

TEST(BlockCollector, AttributesDirectIoToItsCgroupAndClassifiesThePattern) {
  CgroupSandbox sandbox;
  const bool v1 = sandbox.mount_for("blkio") != nullptr && !sandbox.mount_for("blkio")->v2;
  const std::string hierarchy = v1 ? "blkio" : "unified";
  CollectorOptions options;
  options.attribution = v1 ? CgroupAttribution::kV1Blkio : CgroupAttribution::kUnified;
  BlockCollector collector = or_die(BlockCollector::create(options), "block collector");
  LoopDevice loop;
  ASSERT_FALSE(loop.device().empty());
  ASSERT_TRUE(collector.drain().ok());

  constexpr long kWrites = 64;  // 64 KiB each, back to back: sequential
  constexpr long kReads = 200;  // 4 KiB at seeded random offsets: random
  const pid_t writer = sandbox.spawn(
      {kWorkload, "io", loop.device(), "seq-write", std::to_string(kWrites), "65536"}, "writer");
  const pid_t reader = sandbox.spawn(
      {kWorkload, "io", loop.device(), "rand-read", std::to_string(kReads), "4096"}, "reader");
  ASSERT_EQ(wait_exit(writer), 0);
  ASSERT_EQ(wait_exit(reader), 0);
  auto drained = collector.drain();
  ASSERT_TRUE(drained.ok()) << drained.error().message;

  const CgroupId writer_id = or_die(cgroup_id_of(sandbox.dir(hierarchy, "writer")), "id");
  const CgroupId reader_id = or_die(cgroup_id_of(sandbox.dir(hierarchy, "reader")), "id");
  const BlockStats w = (*drained)[writer_id];
  const BlockStats r = (*drained)[reader_id];
  std::cout << describe("writer", w) << "\n" << describe("reader", r) << "\n";

  // The writer: every write, all bytes, sequential after the first; no reads of its own. (In
  // about one run in 30 one of the 64 writes was missing, cause not found yet — see
  // docs/telemetry.md, known limits — hence one request of slack.)
  EXPECT_GE(w.write.ios, static_cast<uint64_t>(kWrites) - 1);
  EXPECT_LE(w.write.ios, static_cast<uint64_t>(kWrites));
  EXPECT_EQ(w.write.bytes, w.write.ios * 65536);
  EXPECT_GE(w.write.sequential_ios, w.write.ios - 1);
  EXPECT_EQ(w.read.ios, 0u);
  // The reader: every read, 4 KiB each, random (a seeded offset that happens to follow the
  // previous one is possible but rare: 200 draws over 16,384 blocks).
  EXPECT_EQ(r.read.ios, static_cast<uint64_t>(kReads));
  EXPECT_EQ(r.read.bytes, static_cast<uint64_t>(kReads) * 4096);
  EXPECT_LE(r.read.sequential_ios, 2u);
  EXPECT_EQ(r.write.ios, 0u);
  // Latency histograms hold every completed request.
  EXPECT_EQ(w.latency.total(), w.read.ios + w.write.ios + w.other_ios);
  EXPECT_EQ(r.latency.total(), r.read.ios + r.write.ios + r.other_ios);
  EXPECT_GT(r.latency_ns, 0u);
}

TEST(BlockCollector, CreateFailsWithAReasonWithoutKernelBtf) {
  CollectorOptions options;
  options.kernel_btf_path = "/nonexistent/vmlinux";
  auto c = BlockCollector::create(options);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("/nonexistent/vmlinux"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace dwae::telemetry
