// String helpers used by every parser.
#include "dwae/common/strings.h"

#include <gtest/gtest.h>

namespace dwae {
namespace {

TEST(Strings, TrimAndSplit) {
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(trim(" \t"), "");
  const auto parts = split("a,,b,", ',');
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1], "b");
  EXPECT_EQ(split("a,,b", ',', false).size(), 3u);
  const auto ws = split_ws("  x \t y  z");
  ASSERT_EQ(ws.size(), 3u);
  EXPECT_EQ(ws[2], "z");
}

TEST(Strings, ParseNumbersWholeStringOnly) {
  EXPECT_EQ(parse_int64(" -42\n"), -42);
  EXPECT_EQ(parse_uint64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_uint64("18446744073709551616"));
  EXPECT_FALSE(parse_uint64("-1"));
  EXPECT_FALSE(parse_int64("12abc"));
  EXPECT_FALSE(parse_int64(""));
  EXPECT_DOUBLE_EQ(parse_double("0.25").value(), 0.25);
  EXPECT_FALSE(parse_double("nan"));
  EXPECT_FALSE(parse_double("1.0.0"));
}

TEST(Strings, Levenshtein) {
  EXPECT_EQ(levenshtein("period", "perod"), 1u);
  EXPECT_EQ(levenshtein("", "abc"), 3u);
  EXPECT_EQ(levenshtein("kitten", "sitting"), 3u);
}

TEST(Strings, Utf8IsCheckedStrictly) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("system.slice/redis.service"));
  EXPECT_TRUE(is_utf8("caf\xc3\xa9"));       // é
  EXPECT_TRUE(is_utf8("\xe2\x82\xac"));      // €
  EXPECT_TRUE(is_utf8("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_FALSE(is_utf8("tenant-\xff"));      // never valid
  EXPECT_FALSE(is_utf8("\xc3"));             // cut short
  EXPECT_FALSE(
      is_utf8("\x80"
              "abc"));                        // starts with a continuation byte
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST(Strings, PrintableEscapesEverythingButPrintableAscii) {
  EXPECT_EQ(printable("a/b.service"), "a/b.service");
  EXPECT_EQ(printable("tenant-\xff\n"), "tenant-\\xff\\x0a");
  EXPECT_EQ(printable("back\\slash"), "back\\x5cslash");
}

TEST(Strings, TerminalSafeKeepsUtf8TextAndEscapesControlCharacters) {
  EXPECT_EQ(terminal_safe("svc/caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "svc/caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(terminal_safe("back\\slash ~"), "back\\slash ~");
  // An escape sequence that would retitle the window and clear the screen, a carriage return
  // and a newline that would fake a line of output, DEL.
  EXPECT_EQ(terminal_safe("\x1b]0;owned\x07\x1b[2J\r\nfake\x7f"),
            "\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x0afake\\x7f");
  EXPECT_EQ(terminal_safe(std::string_view("nul\0", 4)), "nul\\x00");
  // C1 controls, as UTF-8 (U+009B, the one-character CSI) and as lone bytes.
  EXPECT_EQ(terminal_safe("a\xc2\x9b"
                          "2Jb"),
            "a\\xc2\\x9b"
            "2Jb");
  EXPECT_EQ(terminal_safe("a\x9b"
                          "2J"),
            "a\\x9b"
            "2J");
  // Bytes that are not UTF-8, one by one; U+00A0, the first character past C1, is kept.
  EXPECT_EQ(terminal_safe("tenant-\xff\xc3"), "tenant-\\xff\\xc3");
  EXPECT_EQ(terminal_safe("\xc2\xa0"), "\xc2\xa0");
}

}  // namespace
}  // namespace dwae
