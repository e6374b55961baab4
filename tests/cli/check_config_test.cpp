// `dwae check-config`: exit 0 on a valid file, 2 with FILE:LINE:COL lines on an invalid one.
#include <gtest/gtest.h>

#include <filesystem>
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

// A ppo config is checked as the agent would load it: its model file too (it used to print
// ok for a missing or broken model, which the agent then refused at start or reload).
TEST(CheckConfig, PpoModelFileIsLoadedAsTheAgentLoadsIt) {
  test::TempDir dir;
  const std::string shipped = std::string(DWAE_SOURCE_DIR) + "/models/default.policy";
  const std::string bytes = test::read_text(shipped);
  dir.write("good.policy", bytes);
  dir.write("truncated.policy", bytes.substr(0, 100));
  auto config = [&](const std::string& name, const std::string& model) {
    dir.write(name, "policy:\n  name: ppo\n  model: " + model + "\n");
    return dir.path() + "/" + name;
  };
  auto r = test::run_process(
      {test::dwae_binary(), "check-config", config("good.yaml", dir.path() + "/good.policy")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;

  const std::string missing = config("missing.yaml", dir.path() + "/nope.policy");
  r = test::run_process({test::dwae_binary(), "check-config", missing});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find(missing + ":3:10: ppo policy: cannot read policy file"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("nope.policy: No such file or directory"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 error(s)"), std::string::npos) << r.err;

  const std::string truncated = config("truncated.yaml", dir.path() + "/truncated.policy");
  r = test::run_process({test::dwae_binary(), "check-config", truncated});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find(truncated + ":3:10: ppo policy: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated.policy: policy file truncated"), std::string::npos) << r.err;

  // Another policy ignores `model`, as the agent does.
  dir.write("rule.yaml", "policy:\n  name: rule\n  model: " + dir.path() + "/nope.policy\n");
  r = test::run_process({test::dwae_binary(), "check-config", dir.path() + "/rule.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A relative model path is used as written: from the current directory (the agent's, when it
// runs), not from the config file's directory.
TEST(CheckConfig, RelativeModelPathIsFromTheCurrentDirectory) {
  test::TempDir dir;
  const std::string bytes =
      test::read_text(std::string(DWAE_SOURCE_DIR) + "/models/default.policy");
  dir.write("etc/cfg.yaml", "policy: {name: ppo, model: m.policy}\n");
  dir.write("etc/m.policy", bytes);  // beside the config: not where the agent looks
  dir.mkdir("run");
  const auto run_in = [&](const std::string& cwd) {
    return test::run_process({"/bin/sh", "-c", "cd \"$0\" && exec \"$1\" check-config \"$2\"", cwd,
                              test::dwae_binary(), dir.path() + "/etc/cfg.yaml"});
  };
  auto r = run_in(dir.path() + "/run");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("open m.policy: No such file or directory"), std::string::npos) << r.err;
  dir.write("run/m.policy", bytes);
  r = run_in(dir.path() + "/run");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A diagnostic quotes the file's text: control characters in it are escaped, as `dwae status`
// and `dwae explain` escape theirs, so that a config cannot clear the screen of whoever checks
// it.
TEST(CheckConfig, ControlCharactersInDiagnosticsAreEscaped) {
  test::TempDir dir;
  dir.write("esc.yaml", "classes:\n  - name: a\n    kind: \"x\x1b[2J\x1b]0;owned\x07y\"\n");
  const auto r = test::run_process({test::dwae_binary(), "check-config", dir.path() + "/esc.yaml"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(R"(x\x1b[2J\x1b]0;owned\x07y)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
}

// The same for a scenario's diagnostics, from `dwae sim` and `dwae run --scenario`.
TEST(CheckConfig, ControlCharactersInScenarioDiagnosticsAreEscaped) {
  test::TempDir dir;
  dir.write("esc.yaml", "duration: \"x\x1b[2J\x1b]0;owned\x07y\"\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{test::dwae_binary(), "sim", dir.path() + "/esc.yaml"},
        std::vector<std::string>{test::dwae_binary(), "run", "--scenario",
                                 dir.path() + "/esc.yaml"}}) {
    const auto r = test::run_process(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(R"(x\x1b[2J\x1b]0;owned\x07y)"), std::string::npos)
        << args[1] << ": " << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << args[1] << ": " << r.err;
    EXPECT_EQ(r.err.find('\x07'), std::string::npos) << args[1] << ": " << r.err;
  }
}

}  // namespace
}  // namespace dwae
