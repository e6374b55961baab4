// Parsers for cpu controller files: cpu.max, cfs quota, cpu.idle, cpuset lists.
#include <gtest/gtest.h>

#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {
namespace {

using Ids = std::vector<uint32_t>;

TEST(ParseCpuMax, QuotaAndPeriod) {
  const auto limited = parse_cpu_max("50000 100000\n");
  ASSERT_TRUE(limited.ok()) << limited.error().message;
  EXPECT_EQ(*limited, (CpuMax{50000, 100000}));

  const auto unlimited = parse_cpu_max("max 100000\n");
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(unlimited->quota_us, std::nullopt);
  EXPECT_EQ(unlimited->period_us, 100000u);

  // "$MAX" alone keeps the default period.
  const auto quota_only = parse_cpu_max("200000");
  ASSERT_TRUE(quota_only.ok());
  EXPECT_EQ(*quota_only, (CpuMax{200000, 100000}));
}

TEST(ParseCpuMax, RejectsGarbage) {
  EXPECT_FALSE(parse_cpu_max("").ok());
  EXPECT_FALSE(parse_cpu_max("\n").ok());
  EXPECT_FALSE(parse_cpu_max("-1 100000").ok());
  EXPECT_FALSE(parse_cpu_max("max max").ok());
  EXPECT_FALSE(parse_cpu_max("50000 0").ok());
  EXPECT_FALSE(parse_cpu_max("50000 100000 7").ok());
  const auto bad = parse_cpu_max("fifty 100000");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("quota"), std::string::npos) << bad.error().message;
}

TEST(ParseU64OrMax, NumbersMaxAndMinusOne) {
  EXPECT_EQ(parse_u64_or_max("100000\n").value(), 100000u);  // v1 cpu.cfs_period_us
  EXPECT_EQ(parse_u64_or_max("-1\n").value(), kUnlimited);   // v1 cpu.cfs_quota_us
  EXPECT_EQ(parse_u64_or_max("max\n").value(), kUnlimited);  // v2 memory.max, pids.max
  // v1 memory.limit_in_bytes "unlimited" is a page-rounded LONG_MAX, kept as is.
  EXPECT_EQ(parse_u64_or_max("9223372036854771712\n").value(), 9223372036854771712u);
  EXPECT_EQ(parse_u64_or_max("18446744073709551615").value(), UINT64_MAX);
}

TEST(ParseU64OrMax, RejectsGarbage) {
  EXPECT_FALSE(parse_u64_or_max("").ok());
  EXPECT_FALSE(parse_u64_or_max("-2").ok());
  EXPECT_FALSE(parse_u64_or_max("Max").ok());
  EXPECT_FALSE(parse_u64_or_max("1 2").ok());
  EXPECT_FALSE(parse_u64_or_max("18446744073709551616").ok());
  const auto bad = parse_u64_or_max("12k");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'12k'"), std::string::npos) << bad.error().message;
}

TEST(ParseBool01, ZeroAndOne) {
  EXPECT_EQ(parse_bool01("0\n").value(), false);  // cpu.idle
  EXPECT_EQ(parse_bool01("1").value(), true);
}

TEST(ParseBool01, RejectsGarbage) {
  EXPECT_FALSE(parse_bool01("").ok());
  EXPECT_FALSE(parse_bool01("2").ok());
  EXPECT_FALSE(parse_bool01("true").ok());
  EXPECT_FALSE(parse_bool01("0 1").ok());
}

TEST(ParseCpuList, KernelFormat) {
  EXPECT_EQ(parse_cpu_list("0-1\n").value(), (Ids{0, 1}));  // this machine's cpuset.cpus
  EXPECT_EQ(parse_cpu_list("0\n").value(), (Ids{0}));       // cpuset.mems
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11").value(), (Ids{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpu_list("").value(), Ids{});
  EXPECT_EQ(parse_cpu_list("\n").value(), Ids{});
}

TEST(ParseCpuList, UnorderedAndOverlappingItemsAreNormalised) {
  EXPECT_EQ(parse_cpu_list("8,0-3,2-4,8").value(), (Ids{0, 1, 2, 3, 4, 8}));
}

TEST(ParseCpuList, RejectsGarbage) {
  for (const char* bad : {"3-1", "a", "1,,2", ",1", "1,", "1-", "-1", "1-2-3", "0 - 3", "0, 1",
                          "+1", "0-7:2/4", "65536", "0-4294967295", "4294967296", "0-65535,0"}) {
    EXPECT_FALSE(parse_cpu_list(bad).ok()) << bad;
  }
  const auto reversed = parse_cpu_list("3-1");
  ASSERT_FALSE(reversed.ok());
  EXPECT_NE(reversed.error().message.find("reversed"), std::string::npos);
}

TEST(FormatCpuList, CompressesRuns) {
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 8}), "0-3,8");
  EXPECT_EQ(format_cpu_list({0, 1}), "0-1");
  EXPECT_EQ(format_cpu_list({5}), "5");
  EXPECT_EQ(format_cpu_list({}), "");
  EXPECT_EQ(format_cpu_list({0, 2, 4, 5, 6, 10, 11}), "0,2,4-6,10-11");
}

TEST(FormatCpuList, SortsAndDeduplicatesItsInput) {
  EXPECT_EQ(format_cpu_list({8, 3, 2, 2, 1, 0}), "0-3,8");
}

TEST(FormatCpuList, RoundTrips) {
  for (const char* text : {"0-3,8,10-11", "0", "1,3,5", "0-65535"}) {
    EXPECT_EQ(format_cpu_list(parse_cpu_list(text).value()), text);
  }
}

}  // namespace
}  // namespace dwae::hostfs
