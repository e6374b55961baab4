// `dwae check-config`: exit 0 on a valid file, 2 with FILE:LINE:COL lines on an invalid one.
#include <gtest/gtest.h>

#include <regex>

#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae {
namespace {

TEST(CheckConfig, ValidExampleExitsZero) {
  const auto r = test::run_process({test::dwae_binary(), "check-config",
                                    std::string(DWAE_SOURCE_DIR) + "/examples/systemd-host.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos);
}

TEST(CheckConfig, EveryErrorIsReportedAsFileLineColumn) {
  test::TempDir dir;
  const std::string path = dir.path() + "/bad.yaml";
  dir.write("bad.yaml",
            "agent:\n"
            "  perod: 200ms\n"
            "workloads:\n"
            "  - name: a\n"
            "    class: nosuchclass\n"
            "    match: {cgroup: \"a[b\"}\n");
  const auto r = test::run_process({test::dwae_binary(), "check-config", path});
  EXPECT_EQ(r.exit_code, 2);
  const std::regex line_re("^" + path + R"(:(\d+):(\d+): .+$)");
  int matching = 0;
  std::istringstream lines(r.err);
  std::string line;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, line_re)) ++matching;
  }
  EXPECT_GE(matching, 3) << r.err;
  EXPECT_NE(r.err.find("did you mean 'period'"), std::string::npos) << r.err;
}

TEST(CheckConfig, MissingFileAndMissingArgumentFail) {
  EXPECT_EQ(test::run_process({test::dwae_binary(), "check-config", "/nonexistent.yaml"}).exit_code,
            2);
  EXPECT_EQ(test::run_process({test::dwae_binary(), "check-config"}).exit_code, 2);
  EXPECT_EQ(test::run_process({test::dwae_binary(), "no-such-command"}).exit_code, 2);
}

}  // namespace
}  // namespace dwae
