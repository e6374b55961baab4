// parse_flat_keyed and find_key on memory.stat, cpu.stat, memory.events and friends.
#include <gtest/gtest.h>

#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {
namespace {

// Head of this machine's v1 memory.stat.
constexpr std::string_view kMemoryStatV1 =
    "cache 10756096\n"
    "rss 4112384\n"
    "rss_huge 0\n"
    "shmem 9166848\n"
    "mapped_file 7569408\n"
    "dirty 28672\n"
    "hierarchical_memory_limit 9223372036854771712\n"
    "total_cache 334635008\n";

TEST(ParseFlatKeyed, MemoryStatV1) {
  const auto values = parse_flat_keyed(kMemoryStatV1);
  ASSERT_TRUE(values.ok()) << values.error().message;
  ASSERT_EQ(values->size(), 8u);
  EXPECT_EQ((*values)[0], (std::pair<std::string, uint64_t>{"cache", 10756096}));
  EXPECT_EQ(find_key(*values, "rss"), 4112384u);
  EXPECT_EQ(find_key(*values, "hierarchical_memory_limit"), 9223372036854771712u);
  EXPECT_EQ(find_key(*values, "swap"), std::nullopt);
  EXPECT_EQ(find_key(*values, "rs"), std::nullopt);
}

TEST(ParseFlatKeyed, CpuStatV2AndV1) {
  const auto v2 = parse_flat_keyed(
      "usage_usec 95644000\nuser_usec 55716000\nsystem_usec 39928000\nnice_usec 0\n"
      "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n");
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_EQ(find_key(*v2, "usage_usec"), 95644000u);
  EXPECT_EQ(find_key(*v2, "burst_usec"), 0u);

  const auto v1 = parse_flat_keyed(
      "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->size(), 5u);
}

TEST(ParseFlatKeyed, MemoryEventsAndOomControl) {
  const auto events = parse_flat_keyed("low 0\nhigh 12\nmax 3\noom 1\noom_kill 1\n");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(find_key(*events, "high"), 12u);
  const auto oom = parse_flat_keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  ASSERT_TRUE(oom.ok());
  EXPECT_EQ(find_key(*oom, "under_oom"), 0u);
}

TEST(ParseFlatKeyed, ToleratesBlankLinesAndTabs) {
  const auto values = parse_flat_keyed("\nuser 5536\r\n\tsystem\t3938  \n\n");
  ASSERT_TRUE(values.ok()) << values.error().message;
  EXPECT_EQ(find_key(*values, "system"), 3938u);
  EXPECT_TRUE(parse_flat_keyed("").value().empty());
}

TEST(ParseFlatKeyed, RejectsGarbageNamingTheLine) {
  const auto bad = parse_flat_keyed("user 5536\nsystem three\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(parse_flat_keyed("user\n").ok());
  EXPECT_FALSE(parse_flat_keyed("user 1 2\n").ok());
  EXPECT_FALSE(parse_flat_keyed("user -1\n").ok());
  // Nested-keyed content is not flat-keyed.
  EXPECT_FALSE(parse_flat_keyed("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n").ok());
}

}  // namespace
}  // namespace dwae::hostfs

namespace dwae::hostfs {
namespace {

TEST(ScanFlatKeyed, StoresWantedKeysWithoutAllocating) {
  std::optional<uint64_t> anon, missing, file;
  ASSERT_TRUE(scan_flat_keyed("anon 10\nfile 20\nanon 99\nshmem 3\n",
                              {{"anon", &anon}, {"file", &file}, {"nope", &missing}})
                  .ok());
  EXPECT_EQ(anon, 10u);  // the first occurrence wins, as find_key does
  EXPECT_EQ(file, 20u);
  EXPECT_FALSE(missing.has_value());
}

TEST(ScanFlatKeyed, RejectsWhatParseFlatKeyedRejects) {
  std::optional<uint64_t> v;
  for (const char* bad : {"anon\n", "anon x\n", "anon 1 2\n", "anon -1\n"}) {
    EXPECT_FALSE(scan_flat_keyed(bad, {{"anon", &v}}).ok()) << bad;
    EXPECT_FALSE(parse_flat_keyed(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace dwae::hostfs
