// `dwae explain` and `dwae status` on files an operator points them at: whatever the file holds,
// the command ends with a message and an exit code, never a signal, a hang or raw control
// characters on the terminal.
#include <gtest/gtest.h>
#include <unistd.h>

#include "support/cgroup_sandbox.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae {
namespace {

constexpr const char* kLine =
    R"({"time":"2026-11-26T21:00:00.000Z","workload":"web","resource":"cpu.weight",)"
    R"("old":"100","new":"125","policy":"feedback")";

std::string deep_arrays() {
  return std::string(200'000, '[') + std::string(200'000, ']');
}

test::ProcessResult explain(const std::string& audit_path) {
  return test::run_process({test::dwae_binary(), "explain", "web", "--audit", audit_path});
}

test::ProcessResult status(const std::string& state_dir) {
  return test::run_process({test::dwae_binary(), "status", "--state-dir", state_dir});
}

TEST(Explain, ADeeplyNestedLineIsSkippedAndTheOthersExplained) {
  test::TempDir dir;
  dir.write("audit.jsonl", std::string(kLine) + R"(,"features":)" + deep_arrays() + "}\n" + kLine +
                               R"(,"reason":"p99 high"})" + "\n");
  const auto r = explain(dir.path() + "/audit.jsonl");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("web: 1 change(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("because p99 high"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 unreadable line(s) skipped"), std::string::npos) << r.err;
}

TEST(Explain, RefusesADirectoryAndDevZero) {
  test::TempDir dir;
  const auto as_directory = explain(dir.path());
  EXPECT_EQ(as_directory.exit_code, 1);
  EXPECT_NE(as_directory.err.find("is a directory"), std::string::npos) << as_directory.err;
  EXPECT_EQ(as_directory.out, "");

  const std::string zero = dir.path() + "/audit.jsonl";
  ASSERT_EQ(::symlink("/dev/zero", zero.c_str()), 0);
  const auto as_zero = explain(zero);
  EXPECT_EQ(as_zero.exit_code, 1);
  EXPECT_NE(as_zero.err.find("not a regular file"), std::string::npos) << as_zero.err;
}

TEST(Explain, ControlCharactersAreEscaped) {
  test::TempDir dir;
  dir.write("audit.jsonl", std::string(kLine) +
                               R"(,"reason":"\u001b]0;owned\u0007\u001b[2J\r\u001b[Kfake line"})" +
                               "\n");
  const auto r = explain(dir.path() + "/audit.jsonl");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"(because \x1b]0;owned\x07\x1b[2J\x0d\x1b[Kfake line)"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
}

// The audit log names workloads as discovery does (here a cgroup path); an operator thinks in
// the names of the config's rules. With --config, a rule's name stands for the workloads it
// matches now.
TEST(Explain, ARuleNameWithItsConfigExplainsTheWorkloadsItMatches) {
  test::CgroupSandbox sandbox;
  sandbox.create("ls");
  sandbox.create("other");
  sandbox.spawn({"sleep", "30"}, "ls");
  sandbox.spawn({"sleep", "30"}, "other");
  test::TempDir dir;
  dir.write("dwae.yaml",
            "workloads:\n"
            "  - name: lsw\n    class: latency-sensitive\n"
            "    match: {cgroup: \"**/" +
                sandbox.name() +
                "/ls\"}\n"
                "  - name: otherw\n    class: best-effort\n"
                "    match: {cgroup: \"**/" +
                sandbox.name() + "/other\"}\n");
  const auto line = [](const std::string& workload, const std::string& reason) {
    return R"({"time":"2026-11-26T21:00:00.000Z","workload":")" + workload +
           R"(","resource":"cpu.weight","old":"100","new":"125","policy":"feedback","reason":")" +
           reason + "\"}\n";
  };
  dir.write("audit.jsonl", line(sandbox.name() + "/ls", "ls was slow") +
                               line(sandbox.name() + "/other", "other was idle"));
  const std::string audit = dir.path() + "/audit.jsonl";
  const std::string config = dir.path() + "/dwae.yaml";

  auto r = test::run_process(
      {test::dwae_binary(), "explain", "lsw", "--config", config, "--audit", audit});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lsw: rule of " + config +
                       ", matching 1 workload(s) now: " + sandbox.name() + "/ls\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(sandbox.name() + "/ls: 1 change(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("because ls was slow"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("other was idle"), std::string::npos) << r.out;

  // The name the log has works with or without the config.
  r = test::run_process(
      {test::dwae_binary(), "explain", sandbox.name() + "/other", "--audit", audit});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(sandbox.name() + "/other: 1 change(s)"), std::string::npos) << r.out;

  // Without the config a rule's name is unknown: nothing is recorded under it.
  r = test::run_process({test::dwae_binary(), "explain", "lsw", "--audit", audit});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lsw: no changes recorded"), std::string::npos) << r.out;
}

TEST(Status, ADeeplyNestedNameIsAnInvalidDocument) {
  test::TempDir dir;
  dir.write("status.json", R"({"workloads":[{"name":)" + deep_arrays() + "}]}");
  const auto r = status(dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("not a DWAE status document"), std::string::npos) << r.err;
}

TEST(Status, NumbersOutOfRangeAreAnInvalidDocument) {
  for (const char* doc : {R"({"epoch_ms":-9223372036854775808,"workloads":[]})",
                          R"({"epoch_ms":0,"period_ms":9223372036854775807,"workloads":[]})",
                          R"({"epoch_ms":1e300,"workloads":[]})",
                          R"({"pid":99999999999,"ticks":-5,"workloads":[]})"}) {
    test::TempDir dir;
    dir.write("status.json", doc);
    const auto r = status(dir.path());
    EXPECT_EQ(r.exit_code, 1) << doc << "\n" << r.out;
    EXPECT_NE(r.err.find("not a DWAE status document"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace dwae
