// File helpers: success and failure paths.
#include "dwae/common/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
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

// What an operator hands the CLI: a regular file within the limit is read whole; a FIFO with
// no writer, /dev/zero, a directory and an oversized file are refused at once, each saying why.
TEST(File, ReadRegularFileRefusesWhatIsNotABoundedRegularFile) {
  test::TempDir dir;
  dir.write("ok", std::string(1000, 'a'));
  EXPECT_EQ(read_regular_file(dir.path() + "/ok", 1000).value(), std::string(1000, 'a'));
  const auto big = read_regular_file(dir.path() + "/ok", 999);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("too large (the limit is 999 bytes)"), std::string::npos);
  dir.write("empty", "");
  EXPECT_EQ(read_regular_file(dir.path() + "/empty", 10).value(), "");

  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto f = read_regular_file(fifo, 1000);  // would block forever in open(2) or read(2)
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message.find("not a regular file"), std::string::npos);

  ASSERT_EQ(::symlink("/dev/zero", (dir.path() + "/zero").c_str()), 0);
  const auto z = read_regular_file(dir.path() + "/zero", 1000);  // would never end
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.error().message.find("not a regular file"), std::string::npos);

  const auto d = read_regular_file(dir.path(), 1000);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("is a directory"), std::string::npos);

  const auto missing = read_regular_file(dir.path() + "/nope", 1000);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(is_missing(missing.error()));
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
