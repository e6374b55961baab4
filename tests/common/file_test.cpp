// File helpers: success and failure paths.
#include "dwae/common/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "support/temp_dir.h"

namespace dwae {
namespace {

TEST(File, ReadsWholeFilesLargerThanOneBuffer) {
  test::TempDir dir;
  const std::string big(10000, 'x');
  dir.write("big", big);
  const auto r = read_file(dir.path() + "/big");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, big);
  const auto d = DirFd::open(dir.path());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(read_file_at(d->get(), "big").value(), big);
}

TEST(File, MissingFilesAreReportedAsMissing) {
  test::TempDir dir;
  const auto r = read_file(dir.path() + "/nope");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_missing(r.error()));
  EXPECT_NE(r.error().message.find("nope"), std::string::npos);
  EXPECT_FALSE(DirFd::open(dir.path() + "/nope").ok());
}

TEST(File, WriteReplacesContentAndFailsOnMissingFile) {
  test::TempDir dir;
  dir.write("f", "old");
  ASSERT_TRUE(write_file(dir.path() + "/f", "new").ok());
  EXPECT_EQ(test::read_text(dir.path() + "/f"), "new");
  const auto s = write_file(dir.path() + "/missing", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(is_missing(s.error()));
}

TEST(File, KeptFileRereadsTheSameDescriptorFromTheStart) {
  test::TempDir dir;
  const std::string big(10000, 'a');
  dir.write("f", big);
  KeptFile f(dir.path() + "/f");
  auto first = f.read();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, big);
  // Rewritten in place (same length): the kept descriptor reads the new content from offset 0.
  ASSERT_TRUE(write_file(dir.path() + "/f", std::string(10000, 'b')).ok());
  auto second = f.read();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, std::string(10000, 'b'));
}

TEST(File, KeptFileReportsAMissingFileAndOpensItOnceItExists) {
  test::TempDir dir;
  KeptFile f(dir.path() + "/later");
  auto missing = f.read();
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(is_missing(missing.error()));
  EXPECT_NE(missing.error().message.find("later"), std::string::npos);
  dir.write("later", "now\n");
  auto present = f.read();
  ASSERT_TRUE(present.ok()) << present.error().message;
  EXPECT_EQ(*present, "now\n");
}

TEST(File, KeptFileReadsProcfsAfreshEachTime) {
  KeptFile f("/proc/self/stat");
  for (int i = 0; i < 3; ++i) {
    auto text = f.read();
    ASSERT_TRUE(text.ok()) << text.error().message;
    // "pid (comm) state ...": a complete record each time, not a continuation.
    EXPECT_EQ(text->substr(0, text->find(' ')), std::to_string(::getpid()));
    EXPECT_EQ(text->back(), '\n');
  }
}

}  // namespace
}  // namespace dwae
