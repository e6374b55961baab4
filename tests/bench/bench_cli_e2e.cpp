// `dwae bench --short` as a user runs it (the CI smoke test): the report is complete; and an
// interrupted run (SIGINT mid-run) leaves no test cgroup and no process behind. Built as its
// own executable so that these long tests run serially with a timeout (tests/bench/CMakeLists).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "dwae/bench/report.h"
#include "support/cgroup_sandbox.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::wait_exit;

// This process's cgroup directory in every hierarchy; the benchmark (a child) creates its
// cgroups right below them.
std::vector<std::string> own_dirs() {
  test::CgroupSandbox sandbox;  // reads the layout the same way the project's tests do
  std::vector<std::string> out;
  for (const auto& m : sandbox.mounts()) {
    out.push_back(m.mount_point + (m.own_path == "/" ? "" : m.own_path));
  }
  return out;
}

// Directories named dwae-bench-<pid>-* below this process's cgroups.
std::vector<std::string> bench_cgroups(pid_t pid) {
  std::vector<std::string> out;
  const std::string prefix = "dwae-bench-" + std::to_string(pid) + "-";
  for (const auto& dir : own_dirs()) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
    }
  }
  return out;
}

std::set<pid_t> pids_below(const std::string& dir) {
  std::set<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.path().filename() != "cgroup.procs") continue;
    std::istringstream in(test::read_text(e.path().string()));
    for (long pid = 0; in >> pid;) out.insert(static_cast<pid_t>(pid));
  }
  return out;
}

bool alive(pid_t pid) {
  const std::string stat = test::read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST(BenchCli, ShortRunWritesACompleteReport) {
  test::TempDir dir;
  const std::string out = dir.path() + "/report";
  const pid_t pid =
      test::start_process({test::dwae_binary(), "bench", "--short", "--out", out, "--model",
                           std::string(DWAE_SOURCE_DIR) + "/models/default.policy"},
                          dir.path() + "/stdout", dir.path() + "/stderr");
  const int code = wait_exit(pid, 170s);
  ASSERT_EQ(code, 0) << test::read_text(dir.path() + "/stderr");
  EXPECT_TRUE(bench_cgroups(pid).empty());

  auto results = read_results_json(out + "/results.json");
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_TRUE(results->short_mode);
  ASSERT_EQ(results->scenarios.size(), 1u);
  EXPECT_EQ(results->repetitions, 1);
  EXPECT_EQ(results->controllers,
            (std::vector<Controller>{Controller::none, Controller::feedback}));
  ASSERT_EQ(results->alone.size(), 1u);
  ASSERT_FALSE(results->alone[0].services.empty());
  EXPECT_GT(results->alone[0].services[0].p99_s, 0);
  ASSERT_EQ(results->runs.size(), 2u);
  for (const auto& run : results->runs) {
    ASSERT_FALSE(run.services.empty());
    EXPECT_GT(run.services[0].p50_s, 0);
    EXPECT_LE(run.services[0].p50_s, run.services[0].p99_s);
    EXPECT_FALSE(run.services[0].cdf.empty());
    ASSERT_FALSE(run.best_effort.empty());
    EXPECT_GT(run.best_effort[0].work_per_s, 0);
    EXPECT_GT(run.duration_s, 0);
  }
  // Every file the report names exists and is not empty.
  EXPECT_GT(fs::file_size(out + "/report.md"), 0u);
  const std::string printed = test::read_text(dir.path() + "/stdout");
  EXPECT_NE(printed.find("report: " + out + "/report.md"), std::string::npos) << printed;
  std::istringstream lines(printed);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("plot: ", 0) != 0) continue;
    const std::string plot = line.substr(6);
    ASSERT_TRUE(fs::exists(plot)) << plot;
    EXPECT_GT(fs::file_size(plot), 0u) << plot;
  }
}

TEST(BenchCli, InterruptedRunLeavesNothingBehind) {
  test::TempDir dir;
  const pid_t pid = test::start_process(
      {test::dwae_binary(), "bench", "--short", "--out", dir.path() + "/report"},
      dir.path() + "/stdout", dir.path() + "/stderr");
  // Mid-run: the hogs (and the agent or the services) are running in the benchmark's cgroups.
  std::set<pid_t> seen;
  bool hogs_running = false;
  const auto end = std::chrono::steady_clock::now() + 120s;
  while (!hogs_running && std::chrono::steady_clock::now() < end) {
    for (const auto& root : bench_cgroups(pid)) {
      for (const pid_t p : pids_below(root)) seen.insert(p);
      if (!pids_below(root + "/tenants/hogs").empty()) hogs_running = true;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(hogs_running) << test::read_text(dir.path() + "/stderr");
  std::this_thread::sleep_for(500ms);
  for (const auto& root : bench_cgroups(pid)) {
    for (const pid_t p : pids_below(root)) seen.insert(p);
  }
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  const int code = wait_exit(pid, 60s);
  EXPECT_EQ(code, 128 + SIGINT) << test::read_text(dir.path() + "/stderr");
  EXPECT_TRUE(bench_cgroups(pid).empty());
  EXPECT_GE(seen.size(), 2u);  // redis-server, stress-ng and its workers at least
  for (const pid_t p : seen) EXPECT_FALSE(alive(p)) << "pid " << p << " survived";
  EXPECT_FALSE(fs::exists(dir.path() + "/report/results.json"));
}

}  // namespace
}  // namespace dwae::bench
