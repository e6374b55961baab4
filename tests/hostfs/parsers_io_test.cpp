// Parsers for the io (v2) and blkio (v1) controller files.
#include <gtest/gtest.h>

#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {
namespace {

TEST(ParseDeviceId, MajorMinor) {
  EXPECT_EQ(parse_device_id("8:16").value(), (DeviceId{8, 16}));
  EXPECT_EQ(parse_device_id("254:0\n").value(), (DeviceId{254, 0}));
  EXPECT_LT((DeviceId{8, 0}), (DeviceId{8, 16}));
}

TEST(ParseDeviceId, RejectsGarbage) {
  for (const char* bad :
       {"", "8", "8:", ":0", "8:0:1", "a:b", "8: 0", "+8:0", "-8:0", "4294967296:0"}) {
    EXPECT_FALSE(parse_device_id(bad).ok()) << bad;
  }
}

TEST(ParseIoStat, KernelDocExample) {
  const auto stat = parse_io_stat(
      "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
      "8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n");
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  ASSERT_EQ(stat->size(), 2u);
  EXPECT_EQ((*stat)[0], (IoCounters{{8, 16}, 1459200, 314773504, 192, 353, 0, 0}));
  EXPECT_EQ((*stat)[1], (IoCounters{{8, 0}, 90430464, 299008000, 8950, 1252, 50331648, 3021}));
}

TEST(ParseIoStat, IgnoresDebugKeys) {
  // With iocost and io.latency enabled, extra keys follow (some not integers).
  const auto stat = parse_io_stat(
      "259:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0 cost.vrate=100.00 "
      "cost.usage=12 use_delay=0 delay_nsec=0\n");
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  ASSERT_EQ(stat->size(), 1u);
  EXPECT_EQ((*stat)[0].rbytes, 4096u);
  EXPECT_TRUE(parse_io_stat("").value().empty());
}

TEST(ParseIoStat, RejectsGarbage) {
  EXPECT_FALSE(parse_io_stat("sda rbytes=1\n").ok());
  EXPECT_FALSE(parse_io_stat("8:0 rbytes=x\n").ok());
  EXPECT_FALSE(parse_io_stat("8:0 rbytes=-1\n").ok());
  EXPECT_FALSE(parse_io_stat("8:0 rbytes\n").ok());
  const auto bad = parse_io_stat("8:0 rbytes=1\n8:16 wbytes=1 =5\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("io.stat line 2"), std::string::npos) << bad.error().message;
}

TEST(ParseBlkioV1, ServiceBytesAndServiced) {
  constexpr std::string_view kText =
      "8:0 Read 1212416\n8:0 Write 40960\n8:0 Sync 1249280\n8:0 Async 4096\n"
      "8:0 Discard 8192\n8:0 Total 1261568\n"
      "254:0 Read 4096\n254:0 Write 0\n254:0 Sync 4096\n254:0 Async 0\n"
      "254:0 Discard 0\n254:0 Total 4096\n"
      "Total 1265664\n";
  const auto bytes = parse_blkio_v1(kText, true);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  ASSERT_EQ(bytes->size(), 2u);
  EXPECT_EQ((*bytes)[0], (IoCounters{{8, 0}, 1212416, 40960, 0, 0, 8192, 0}));
  EXPECT_EQ((*bytes)[1], (IoCounters{{254, 0}, 4096, 0, 0, 0, 0, 0}));

  const auto ios = parse_blkio_v1(kText, false);
  ASSERT_TRUE(ios.ok());
  EXPECT_EQ((*ios)[0], (IoCounters{{8, 0}, 0, 0, 1212416, 40960, 0, 8192}));
}

TEST(ParseBlkioV1, NoDevicesYet) {
  // This machine's blkio.throttle.io_service_bytes for the root cgroup.
  EXPECT_TRUE(parse_blkio_v1("Total 0\n", true).value().empty());
  EXPECT_TRUE(parse_blkio_v1("", false).value().empty());
}

TEST(ParseBlkioV1, RejectsGarbage) {
  EXPECT_FALSE(parse_blkio_v1("8:0 Read\n", true).ok());
  EXPECT_FALSE(parse_blkio_v1("8:0 Read x\n", true).ok());
  EXPECT_FALSE(parse_blkio_v1("8:0 Peek 5\n", true).ok());
  EXPECT_FALSE(parse_blkio_v1("8:0 Read 5 6\n", true).ok());
  EXPECT_FALSE(parse_blkio_v1("Total\n", true).ok());
  const auto bad = parse_blkio_v1("8:0 Read 1\nsda Write 2\n", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
}

TEST(ParseIoWeight, DefaultAndOverrides) {
  const auto weights = parse_io_weight("default 100\n8:16 200\n8:0 50\n");
  ASSERT_TRUE(weights.ok()) << weights.error().message;
  EXPECT_EQ(weights->default_weight, 100u);
  const std::vector<std::pair<DeviceId, uint32_t>> expected = {{{8, 16}, 200}, {{8, 0}, 50}};
  EXPECT_EQ(weights->per_device, expected);

  const auto only_default = parse_io_weight("default 300\n");
  ASSERT_TRUE(only_default.ok());
  EXPECT_EQ(only_default->default_weight, 300u);
  EXPECT_TRUE(only_default->per_device.empty());
}

TEST(ParseIoWeight, BareV1Weight) {
  const auto weight = parse_io_weight("500\n");
  ASSERT_TRUE(weight.ok()) << weight.error().message;
  EXPECT_EQ(*weight, (IoWeights{500, {}}));
}

TEST(ParseIoWeight, RejectsGarbage) {
  for (const char* bad : {"", "0", "10001", "default\n", "default 0\n", "default x\n", "sda 100\n",
                          "8:0 100 1\n", "default 100\n200\n"}) {
    EXPECT_FALSE(parse_io_weight(bad).ok()) << bad;
  }
}

TEST(ParseIoMax, KernelDocExample) {
  const auto limits = parse_io_max(
      "8:16 rbps=2097152 wbps=max riops=max wiops=120\n"
      "8:0 rbps=max wbps=1048576 riops=max wiops=max\n");
  ASSERT_TRUE(limits.ok()) << limits.error().message;
  ASSERT_EQ(limits->size(), 2u);
  EXPECT_EQ((*limits)[0], (IoLimit{{8, 16}, 2097152, kUnlimited, kUnlimited, 120}));
  EXPECT_EQ((*limits)[1], (IoLimit{{8, 0}, kUnlimited, 1048576, kUnlimited, kUnlimited}));
  EXPECT_TRUE(parse_io_max("\n").value().empty());
}

TEST(ParseIoMax, RejectsGarbage) {
  EXPECT_FALSE(parse_io_max("8:16 rbps=lots\n").ok());
  EXPECT_FALSE(parse_io_max("8:16 rbps\n").ok());
  EXPECT_FALSE(parse_io_max("rbps=1 8:16\n").ok());
  EXPECT_FALSE(parse_io_max("8:16 wiops=-1\n").ok());
}

TEST(ParseBlkioThrottleV1, DeviceAndValue) {
  const auto limits = parse_blkio_throttle_v1("8:0 1048576\n254:0 2097152\n");
  ASSERT_TRUE(limits.ok()) << limits.error().message;
  const std::vector<std::pair<DeviceId, uint64_t>> expected = {{{8, 0}, 1048576},
                                                               {{254, 0}, 2097152}};
  EXPECT_EQ(*limits, expected);
  // This machine's blkio.throttle.read_bps_device: empty until a limit is set.
  EXPECT_TRUE(parse_blkio_throttle_v1("").value().empty());
}

TEST(ParseBlkioThrottleV1, RejectsGarbage) {
  EXPECT_FALSE(parse_blkio_throttle_v1("8:0\n").ok());
  EXPECT_FALSE(parse_blkio_throttle_v1("8:0 max\n").ok());
  EXPECT_FALSE(parse_blkio_throttle_v1("8:0 1 2\n").ok());
  EXPECT_FALSE(parse_blkio_throttle_v1("8-0 1\n").ok());
}

}  // namespace
}  // namespace dwae::hostfs
