// File helpers: success and failure paths.
#include "dwae/common/file.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace dwae
