// parse_pressure on PSI files (/proc/pressure/*, cgroup v2 *.pressure).
#include <gtest/gtest.h>

#include "dwae/hostfs/parsers.h"

namespace dwae::hostfs {
namespace {

TEST(ParsePressure, SomeAndFull) {
  // This machine's /proc/pressure/io.
  const auto io = parse_pressure(
      "some avg10=0.00 avg60=0.23 avg300=0.45 total=3067683\n"
      "full avg10=0.00 avg60=0.16 avg300=0.38 total=2730406\n");
  ASSERT_TRUE(io.ok()) << io.error().message;
  EXPECT_DOUBLE_EQ(io->some.avg60, 0.23);
  EXPECT_DOUBLE_EQ(io->some.avg300, 0.45);
  EXPECT_EQ(io->some.total_us, 3067683u);
  ASSERT_TRUE(io->full.has_value());
  EXPECT_EQ(io->full->total_us, 2730406u);
  EXPECT_DOUBLE_EQ(io->full->avg300, 0.38);
}

TEST(ParsePressure, FullIsOptional) {
  // System-wide cpu before Linux 5.13 has no "full" line.
  const auto cpu = parse_pressure("some avg10=11.93 avg60=7.21 avg300=2.95 total=12725866\n");
  ASSERT_TRUE(cpu.ok()) << cpu.error().message;
  EXPECT_DOUBLE_EQ(cpu->some.avg10, 11.93);
  EXPECT_FALSE(cpu->full.has_value());
}

TEST(ParsePressure, UnknownKeysAreIgnored) {
  const auto p = parse_pressure(
      "some avg10=1.50 avg60=0.00 avg300=0.00 total=10 avg1=9.00\n"
      "full avg10=0.00 avg60=0.00 avg300=0.00 total=0 future=x\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_DOUBLE_EQ(p->some.avg10, 1.5);
}

TEST(ParsePressure, RejectsGarbage) {
  EXPECT_FALSE(parse_pressure("").ok());
  // "some" is required.
  EXPECT_FALSE(parse_pressure("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n").ok());
  EXPECT_FALSE(parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00\n").ok());
  EXPECT_FALSE(parse_pressure("some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n").ok());
  EXPECT_FALSE(parse_pressure("some avg10=nan avg60=0.00 avg300=0.00 total=0\n").ok());
  EXPECT_FALSE(parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=1.5\n").ok());
  EXPECT_FALSE(parse_pressure("some avg10 avg60=0.00 avg300=0.00 total=0\n").ok());
  const auto bad = parse_pressure(
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
      "most avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 2"), std::string::npos) << bad.error().message;
  const auto twice = parse_pressure(
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  EXPECT_FALSE(twice.ok());
}

}  // namespace
}  // namespace dwae::hostfs
