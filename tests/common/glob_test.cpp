// Path globs used by workload match rules.
#include "dwae/common/glob.h"

#include <gtest/gtest.h>

namespace dwae {
namespace {

Glob compile(std::string_view p) {
  auto g = Glob::compile(p);
  EXPECT_TRUE(g.ok()) << p;
  return std::move(g).value();
}

TEST(Glob, StarStaysInsideOneComponent) {
  const auto g = compile("/system.slice/*.service");
  EXPECT_TRUE(g.matches("/system.slice/nginx.service"));
  EXPECT_TRUE(g.matches("system.slice/nginx.service/"));
  EXPECT_FALSE(g.matches("/system.slice/a/b.service"));
  EXPECT_FALSE(g.matches("/system.slice/nginx.socket"));
}

TEST(Glob, DoubleStarSpansComponents) {
  const auto g = compile("**/dwae-test/ls");
  EXPECT_TRUE(g.matches("/dwae-test/ls"));
  EXPECT_TRUE(g.matches("/a/b/dwae-test/ls"));
  EXPECT_FALSE(g.matches("/a/b/dwae-test/ls2"));
  EXPECT_TRUE(compile("kubepods/**").matches("kubepods/burstable/pod1"));
}

TEST(Glob, ClassesAndQuestionMark) {
  const auto g = compile("vm[0-9]?");
  EXPECT_TRUE(g.matches("vm1a"));
  EXPECT_FALSE(g.matches("vmxa"));
  EXPECT_TRUE(compile("[!a]x").matches("bx"));
  EXPECT_FALSE(compile("[!a]x").matches("ax"));
  EXPECT_TRUE(compile("a\\*").matches("a*"));
  EXPECT_FALSE(compile("a\\*").matches("ab"));
}

TEST(Glob, AnchoredMatchDropsTheDoubleStarPrefix) {
  const auto g = compile("**/t/ls");
  const std::string path = "/process_api/x/t/ls";
  const auto at = g.anchored_match(path);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(path.substr(*at), "t/ls");
  EXPECT_EQ(compile("a/*").anchored_match("/a/b"), 0u);
  EXPECT_FALSE(compile("a/*").anchored_match("/b/b").has_value());
}

TEST(Glob, RejectsMalformedPatterns) {
  EXPECT_FALSE(Glob::compile("").ok());
  EXPECT_FALSE(Glob::compile("/").ok());
  EXPECT_FALSE(Glob::compile("a[bc").ok());
  EXPECT_FALSE(Glob::compile("a[]").ok());
  EXPECT_FALSE(Glob::compile("a**").ok());
  EXPECT_FALSE(Glob::compile("a\\").ok());
  EXPECT_FALSE(Glob::compile("a[b/c]").ok());
}

}  // namespace
}  // namespace dwae
