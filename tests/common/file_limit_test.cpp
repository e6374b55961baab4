// raise_file_limit: the soft RLIMIT_NOFILE goes up to the hard limit.
#include "dwae/common/file_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>

#include "support/file_limit.h"

namespace dwae {
namespace {

TEST(FileLimit, RaisesTheSoftLimitToTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  const test::ScopedFileLimit lowered(std::min<rlim_t>(before.rlim_max, 256));
  const auto raised = raise_file_limit();
  ASSERT_TRUE(raised.ok()) << raised.error().message;
  EXPECT_EQ(*raised, before.rlim_max);
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, before.rlim_max);
  EXPECT_EQ(now.rlim_max, before.rlim_max);
}

TEST(FileLimit, AtTheHardLimitAlreadyChangesNothing) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  const test::ScopedFileLimit at_hard(before.rlim_max);
  const auto raised = raise_file_limit();
  ASSERT_TRUE(raised.ok()) << raised.error().message;
  EXPECT_EQ(*raised, before.rlim_max);
}

}  // namespace
}  // namespace dwae
