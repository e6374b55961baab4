// Value spelling, read-back comparison, restore writes and write validation.
#include "dwae/actuator/values.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace dwae::actuator {
namespace {

// Every v2 weight written as v1 shares reads back as the same weight; both directions round to
// nearest as the kernel does (weight 20 is 204.8 shares: 205, not 204, which read back as 19).
TEST(Values, EveryWeightSurvivesTheTripThroughShares) {
  for (uint64_t weight = 1; weight <= 10000; ++weight) {
    const uint64_t shares = weight_to_shares(weight);
    ASSERT_GE(shares, 2u) << "weight " << weight;
    ASSERT_LE(shares, 262144u) << "weight " << weight;
    ASSERT_EQ(shares_to_weight(shares), weight) << "weight " << weight << " -> shares " << shares;
  }
  EXPECT_EQ(weight_to_shares(20), 205u);
  EXPECT_EQ(weight_to_shares(39), 399u);    // 399.36
  EXPECT_EQ(weight_to_shares(381), 3901u);  // 3901.44
  EXPECT_EQ(shares_to_weight(204), 20u);    // 19.92
  EXPECT_EQ(shares_to_weight(3901), 381u);  // 380.96
  EXPECT_EQ(shares_to_weight(1000), 98u);   // 97.66
  EXPECT_EQ(shares_to_weight(5), 1u);       // 0.49, clamped to the least weight
  // Out-of-range input clamps instead of overflowing.
  EXPECT_EQ(weight_to_shares(UINT64_MAX), 262144u);
  EXPECT_EQ(shares_to_weight(UINT64_MAX), 10000u);
}

TEST(Values, WeightConversionsMatchTheKernel) {
  EXPECT_EQ(weight_to_shares(100), 1024u);
  EXPECT_EQ(weight_to_shares(1), 10u);
  EXPECT_EQ(weight_to_shares(10000), 102400u);
  EXPECT_EQ(shares_to_weight(1024), 100u);
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(262144), 10000u);
  EXPECT_EQ(io_weight_to_bfq(100), 100u);
  EXPECT_EQ(io_weight_to_bfq(5000), 1000u);
}

TEST(Values, ReadBackComparisonKnowsKernelRewrites) {
  ASSERT_EQ(page_bytes(), static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)));
  const uint64_t page = page_bytes();
  EXPECT_TRUE(same_value("memory.high", std::to_string(244 * page + 576),
                         std::to_string(244 * page) + "\n"));  // rounded down to a page
  EXPECT_FALSE(same_value("memory.high", std::to_string(244 * page + 576),
                          std::to_string(245 * page) + "\n"));
  EXPECT_FALSE(same_value("memory.high", "1000000", "1003520\n"));
  EXPECT_TRUE(same_value("memory.limit_in_bytes", "-1", "9223372036854771712\n"));
  EXPECT_TRUE(same_value("memory.max", "max", "max\n"));
  EXPECT_TRUE(same_value("cpuset.cpus", "0,1", "0-1\n"));
  EXPECT_FALSE(same_value("cpuset.cpus", "0", "0-1\n"));
  EXPECT_TRUE(same_value("cpu.max", "max 100000", "max 100000\n"));
  EXPECT_TRUE(same_value("io.weight", "default 200", "default 200\n8:0 50\n"));
  EXPECT_TRUE(same_value("blkio.bfq.weight", "300", "default 300\n"));
  EXPECT_TRUE(same_value("io.max", "8:0 rbps=max wbps=max riops=max wiops=max", ""));
  EXPECT_TRUE(same_value("io.max", "8:0 rbps=100 wbps=max riops=max wiops=max",
                         "8:0 rbps=100 wbps=max riops=max wiops=max\n"));
  EXPECT_TRUE(same_value("blkio.throttle.read_bps_device", "8:0 0", ""));
  EXPECT_TRUE(same_value("cpu.cfs_quota_us", "-1", "-1\n"));
  EXPECT_TRUE(same_value("cpu.shares", "2048", "2048\n"));
  EXPECT_FALSE(same_value("cpu.shares", "2048", "1024\n"));
}

TEST(Values, RestoreWritesPutDeviceFilesBack) {
  const auto io = restore_writes("io.max", "8:0 rbps=100 wbps=max riops=max wiops=max\n",
                                 "8:0 rbps=5 wbps=max riops=max wiops=max\n"
                                 "8:16 rbps=7 wbps=max riops=max wiops=max\n");
  ASSERT_TRUE(io.ok());
  ASSERT_EQ(io->size(), 2u);
  EXPECT_EQ((*io)[0], "8:16 rbps=max wbps=max riops=max wiops=max");
  EXPECT_EQ((*io)[1], "8:0 rbps=100 wbps=max riops=max wiops=max");
  const auto v1 = restore_writes("blkio.throttle.read_bps_device", "", "8:0 1048576\n");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(*v1, std::vector<std::string>{"8:0 0"});
  EXPECT_EQ(restore_writes("io.weight", "default 100\n", "default 300\n").value(),
            std::vector<std::string>{"default 100"});
  EXPECT_EQ(restore_writes("blkio.bfq.weight", "default 100\n", "300\n").value(),
            std::vector<std::string>{"100"});
  EXPECT_EQ(restore_writes("cpu.shares", "1024\n", "2\n").value(),
            std::vector<std::string>{"1024"});
  EXPECT_FALSE(restore_writes("io.max", "garbage", "").ok());
}

TEST(Values, ValidationRefusesMalformedOrOutOfRangeValues) {
  EXPECT_TRUE(validate_write("cpu.weight", "100").ok());
  EXPECT_FALSE(validate_write("cpu.weight", "0").ok());
  EXPECT_FALSE(validate_write("cpu.weight", "100; rm -rf /").ok());
  EXPECT_FALSE(validate_write("cpu.shares", "1").ok());
  EXPECT_TRUE(validate_write("cpu.cfs_quota_us", "-1").ok());
  EXPECT_FALSE(validate_write("cpu.cfs_quota_us", "500").ok());
  EXPECT_TRUE(validate_write("cpu.max", "50000 100000").ok());
  EXPECT_FALSE(validate_write("cpu.max", "50000 5000000").ok());
  EXPECT_TRUE(validate_write("memory.high", "max").ok());
  EXPECT_FALSE(validate_write("memory.high", "lots").ok());
  EXPECT_FALSE(validate_write("cpuset.cpus", "").ok());
  EXPECT_FALSE(validate_write("blkio.bfq.weight", "5000").ok());
  EXPECT_FALSE(validate_write("cgroup.procs", "1").ok());  // not ours to write
}

TEST(Values, CpuIdleIsTheOnlyWriteThatMakesTheKernelRewriteAnotherFile) {
  const auto rewritten = rewritten_by("cpu.idle");
  EXPECT_EQ(std::vector<std::string_view>(rewritten.begin(), rewritten.end()),
            (std::vector<std::string_view>{"cpu.shares", "cpu.weight"}));
  for (const char* file : {"cpu.weight", "cpu.shares", "cpu.max", "cpuset.cpus", "memory.high",
                           "io.weight", "io.max"}) {
    EXPECT_TRUE(rewritten_by(file).empty()) << file;
  }
}

}  // namespace
}  // namespace dwae::actuator
