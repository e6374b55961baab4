// The parse step on its own: YAML -> raw IR with 1-based positions, typed values and units.
#include <gtest/gtest.h>

#include <chrono>

#include "dwae/config/raw.h"

namespace dwae::config::detail {
namespace {

using namespace std::chrono_literals;

TEST(ConfigParse, FieldsKeepOneBasedPositionsOfKeyAndValue) {
  Problems problems("p.yaml");
  const auto raw = parse_config("agent:\n  period: 300ms\n  dry_run: true\n", problems);
  ASSERT_TRUE(raw.has_value());
  EXPECT_TRUE(problems.empty());
  ASSERT_TRUE(raw->agent.period.has());
  EXPECT_EQ(*raw->agent.period, 300ms);
  EXPECT_EQ(raw->agent.period.key_pos.line, 2);
  EXPECT_EQ(raw->agent.period.key_pos.column, 3);
  EXPECT_EQ(raw->agent.period.value_pos.line, 2);
  EXPECT_EQ(raw->agent.period.value_pos.column, 11);
  EXPECT_EQ(raw->agent.dry_run.value, true);
  EXPECT_FALSE(raw->agent.state_dir.present);
}

TEST(ConfigParse, SizesAcceptBytesUnitsAndMax) {
  Problems problems("p.yaml");
  const auto raw = parse_config(
      "classes:\n  - defaults: {memory_low: 4096, memory_high: 1.5GiB}\n"
      "  - defaults: {memory_high: max}\n",
      problems);
  ASSERT_TRUE(raw.has_value());
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(raw->classes.size(), 2u);
  EXPECT_EQ(raw->classes[0].defaults->memory_low.value, 4096u);
  EXPECT_EQ(raw->classes[0].defaults->memory_high.value, 1536u * 1024 * 1024);
  EXPECT_EQ(raw->classes[1].defaults->memory_high.value, UINT64_MAX);
}

TEST(ConfigParse, WholeNumbersMayBeWrittenWithAFractionOfZero) {
  Problems problems("p.yaml");
  const auto raw = parse_config("classes:\n  - {priority: 50.0}\n", problems);
  ASSERT_TRUE(raw.has_value());
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(raw->classes[0].priority.value, 50);
}

TEST(ConfigParse, RejectedValueIsPresentButEmptySoValidationDoesNotReportItAgain) {
  Problems problems("p.yaml");
  const auto raw = parse_config("workloads:\n  - {name: [a, b]}\n", problems);
  ASSERT_TRUE(raw.has_value());
  ASSERT_EQ(problems.diagnostics().size(), 1u);
  EXPECT_TRUE(raw->workloads[0].name.present);
  EXPECT_FALSE(raw->workloads[0].name.has());
}

TEST(ConfigParse, SingleCgroupRootMayBeWrittenWithoutAList) {
  Problems problems("p.yaml");
  const auto raw = parse_config("agent: {cgroup_roots: /sys/fs/cgroup/x}\n", problems);
  ASSERT_TRUE(raw.has_value());
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(raw->agent.cgroup_roots->size(), 1u);
  EXPECT_EQ(*raw->agent.cgroup_roots->at(0), "/sys/fs/cgroup/x");
}

TEST(ConfigParse, KnownKeysNextToAnUnknownOneAreStillRead) {
  Problems problems("p.yaml");
  const auto raw = parse_config("agent: {bogus: 1, period: 1s}\n", problems);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(problems.diagnostics().size(), 1u);
  EXPECT_EQ(raw->agent.period.value, 1s);
}

TEST(ConfigParse, NonScalarKeysAreReported) {
  Problems problems("p.yaml");
  const auto raw = parse_config("? [a, b]\n: 1\n", problems);
  ASSERT_TRUE(raw.has_value());
  ASSERT_EQ(problems.diagnostics().size(), 1u);
  EXPECT_NE(problems.diagnostics()[0].message.find("must be plain names"), std::string::npos);
}

TEST(ConfigParse, ClosestMatchSuggestsOnlyNearbyWords) {
  const std::vector<std::string_view> keys{"period", "dry_run", "state_dir"};
  EXPECT_EQ(closest_match("perid", keys), "period");
  EXPECT_EQ(closest_match("Period", keys), "period");
  EXPECT_EQ(closest_match("dryrun", keys), "dry_run");
  EXPECT_EQ(closest_match("zzzzzz", keys), "");
  EXPECT_EQ(closest_match("x", keys), "");
}

}  // namespace
}  // namespace dwae::config::detail
