// Loading from a file: success, an unreadable file, and an oversized one.
#include "dwae/config/loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "support/temp_dir.h"

namespace dwae::config {
namespace {

TEST(ConfigLoader, LoadsAFileAndNamesItInDiagnostics) {
  dwae::test::TempDir dir;
  dir.write("good.yaml", "policy: {name: rule}\n");
  dir.write("bad.yaml", "policy: {name: rules}\n");
  const auto good = load_config_file(dir.path() + "/good.yaml");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.config->policy.kind, PolicyKind::kRule);
  const auto bad = load_config_file(dir.path() + "/bad.yaml");
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].where.file, dir.path() + "/bad.yaml");
  EXPECT_EQ(bad.diagnostics[0].where.line, 1);
  EXPECT_EQ(bad.diagnostics[0].where.column, 16);
}

TEST(ConfigLoader, MissingFileGivesOneDiagnosticAtLineZero) {
  dwae::test::TempDir dir;
  const auto result = load_config_file(dir.path() + "/absent.yaml");
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].where.line, 0);
  EXPECT_NE(result.diagnostics[0].message.find("cannot read config"), std::string::npos);
}

TEST(ConfigLoader, DirectoryInsteadOfFileIsReported) {
  dwae::test::TempDir dir;
  const auto result = load_config_file(dir.path());
  EXPECT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].where.line, 0);
}

TEST(ConfigLoader, OversizedFileIsRefused) {
  dwae::test::TempDir dir;
  dir.write("big.yaml", std::string(2 * 1024 * 1024, '#'));
  const auto result = load_config_file(dir.path() + "/big.yaml");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_NE(result.diagnostics[0].message.find("too large (the limit is 1048576 bytes)"),
            std::string::npos)
      << result.diagnostics[0].message;
}

TEST(ConfigLoader, AFifoIsRefusedWithoutWaitingForAWriter) {
  dwae::test::TempDir dir;
  const std::string fifo = dir.path() + "/config.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto result = load_config_file(fifo);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_NE(result.diagnostics[0].message.find("not a regular file"), std::string::npos)
      << result.diagnostics[0].message;
}

}  // namespace
}  // namespace dwae::config
