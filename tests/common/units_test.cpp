// Durations and sizes as humans write them.
#include "dwae/common/units.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace dwae {
namespace {

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("200ms").value(), 200ms);
  EXPECT_EQ(parse_duration(" 1.5s ").value(), 1500ms);
  EXPECT_EQ(parse_duration("250us").value(), 250us);
  EXPECT_EQ(parse_duration("7ns").value(), 7ns);
  EXPECT_EQ(parse_duration("2m").value(), 120s);
  EXPECT_EQ(parse_duration("1h").value(), 3600s);
}

TEST(ParseDuration, RejectsMissingOrUnknownUnitsAndNegatives) {
  EXPECT_FALSE(parse_duration("200").ok());
  EXPECT_FALSE(parse_duration("200 parsecs").ok());
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_FALSE(parse_duration("").ok());
  EXPECT_FALSE(parse_duration("ms").ok());
  EXPECT_FALSE(parse_duration("1e300h").ok());
}

TEST(ParseSize, AcceptsBinaryUnitsAndMax) {
  EXPECT_EQ(parse_size("4096").value(), 4096u);
  EXPECT_EQ(parse_size("512MiB").value(), 512ull << 20);
  EXPECT_EQ(parse_size("1G").value(), 1ull << 30);
  EXPECT_EQ(parse_size("2KiB").value(), 2048u);
  EXPECT_EQ(parse_size("max").value(), UINT64_MAX);
}

TEST(ParseSize, RejectsGarbage) {
  EXPECT_FALSE(parse_size("12 apples").ok());
  EXPECT_FALSE(parse_size("-5M").ok());
  EXPECT_FALSE(parse_size("").ok());
  EXPECT_FALSE(parse_size("99999999999T").ok());
}

TEST(Format, RoundTripsReadableValues) {
  EXPECT_EQ(format_duration(200ms), "200ms");
  EXPECT_EQ(format_duration(2s), "2s");
  EXPECT_EQ(format_duration(1500us), "1500us");
  EXPECT_EQ(format_size(512ull << 20), "512.0MiB");
  EXPECT_EQ(format_size(100), "100B");
  EXPECT_EQ(format_size(UINT64_MAX), "max");
}

}  // namespace
}  // namespace dwae
