// `dwae bench --short` as a user runs it (the CI smoke test): the report is complete; an
// interrupted run (SIGINT or SIGHUP mid-run) leaves no test cgroup, no scratch directory and no
// process behind; a closed progress stream does not stop the run; bad --out and --controllers
// are refused before anything is measured. Built as its own executable so that these long tests
// run serially with a timeout (tests/bench/CMakeLists).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

std::string cmdline(pid_t pid) {
  std::string text = test::read_text("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

// The benchmark's scratch directory (/tmp/dwae-bench-XXXXXX), from the working directory of a
// process it started; empty when none of `pids` has one there.
std::string scratch_of(const std::set<pid_t>& pids) {
  for (const pid_t p : pids) {
    std::error_code ec;
    const fs::path cwd = fs::read_symlink("/proc/" + std::to_string(p) + "/cwd", ec);
    if (ec) continue;
    fs::path top;
    int depth = 0;
    for (const auto& part : cwd) {
      top /= part;
      if (++depth == 3) break;  // "/", "tmp", "dwae-bench-XXXXXX"
    }
    if (top.parent_path() == "/tmp" && top.filename().string().rfind("dwae-bench-", 0) == 0) {
      return top.string();
    }
  }
  return {};
}

// Whatever a benchmark run that did not clean up left behind (so that a failing test does not
// leave processes and cgroups on the host): every process in its cgroups (all of them started
// by that run), the cgroups and the scratch directory.
void remove_leftovers(pid_t bench_pid, const std::string& scratch) {
  for (int round = 0; round < 50; ++round) {
    bool any = false;
    for (const auto& root : bench_cgroups(bench_pid)) {
      for (const pid_t p : pids_below(root)) {
        ::kill(p, SIGKILL);
        any = true;
      }
    }
    if (!any) break;
    std::this_thread::sleep_for(100ms);
  }
  for (const auto& root : bench_cgroups(bench_pid)) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
      if (e.is_directory()) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
      return a.string().size() > b.string().size();
    });
    dirs.push_back(root);
    for (const auto& d : dirs) ::rmdir(d.c_str());
  }
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
}

// Runs remove_leftovers when a test ends, also when an ASSERT ended it early.
struct LeftoverGuard {
  pid_t bench_pid = -1;
  std::string scratch;
  ~LeftoverGuard() {
    if (bench_pid > 0) remove_leftovers(bench_pid, scratch);
  }
};

// Starts `dwae bench io-contention` (fio next to redis) and returns once fio writes its file
// during a measured run; `fio` gets the pids in fio's cgroup then, `seen` every pid in the run's
// cgroups, `scratch` the scratch directory.
pid_t start_io_run_until_fio_writes(const test::TempDir& dir, std::set<pid_t>& seen,
                                    std::set<pid_t>& fio, std::string& scratch) {
  const pid_t pid = test::start_process(
      {test::dwae_binary(), "bench", "io-contention", "--short", "--controllers", "none",
       "--warmup", "1s", "--duration", "2s", "--out", dir.path() + "/report"},
      dir.path() + "/stdout", dir.path() + "/stderr");
  // fio lays its file out in the same cgroup before the services are measured alone.
  const auto end = std::chrono::steady_clock::now() + 120s;
  while (fio.empty() && std::chrono::steady_clock::now() < end) {
    if (test::read_text(dir.path() + "/stderr").find("alone:") != std::string::npos) {
      for (const auto& root : bench_cgroups(pid)) {
        fio = pids_below(root + "/tenants/fio");
        scratch = scratch_of(pids_below(root));
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  // fio's jobs are up once its file changes (a second write after one that may have come
  // before this point).
  std::error_code ec;
  const std::string file = scratch + "/io-contention/fio.dat";
  const auto first = fs::last_write_time(file, ec);
  while (!fio.empty() && !ec && fs::last_write_time(file, ec) == first &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
  }
  for (const auto& root : bench_cgroups(pid)) {
    for (const pid_t p : pids_below(root + "/tenants/fio")) fio.insert(p);
    for (const pid_t p : pids_below(root)) seen.insert(p);
  }
  return pid;
}

// nginx's workers run as nobody: they must be able to reach and read what they serve, or every
// answer is a 403 whose latency would be measured as the service's.
TEST(BenchCli, NginxAnswersEveryRequest) {
  test::TempDir dir;
  const std::string out = dir.path() + "/report";
  const pid_t pid = test::start_process(
      {test::dwae_binary(), "bench", "two-sla", "--repetitions", "1", "--controllers", "none",
       "--warmup", "1s", "--duration", "1s", "--out", out},
      dir.path() + "/stdout", dir.path() + "/stderr");
  const int code = wait_exit(pid, 170s);
  ASSERT_EQ(code, 0) << test::read_text(dir.path() + "/stderr");
  auto results = read_results_json(out + "/results.json");
  ASSERT_TRUE(results.ok()) << results.error().message;
  int nginx_runs = 0;
  const auto check = [&](const std::vector<ServiceRun>& services) {
    for (const auto& s : services) {
      if (s.name != "nginx") continue;
      ++nginx_runs;
      EXPECT_GT(s.requests_per_s, 0);
      EXPECT_EQ(s.errors.status, 0u) << "answers with HTTP status >= 400";
      EXPECT_EQ(s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout, 0u);
    }
  };
  for (const auto& alone : results->alone) check(alone.services);
  for (const auto& run : results->runs) check(run.services);
  EXPECT_EQ(nginx_runs, 2);  // alone and under none
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

// SIGHUP (the terminal closed) stops the run like SIGINT: everything it started is gone, fio's
// job processes included, and so are its cgroups and scratch directory. fio was started with a
// time limit of the run's length plus a minute, not 15 minutes.
TEST(BenchCli, HangupMidRunLeavesNothingBehind) {
  test::TempDir dir;
  std::set<pid_t> seen, fio;
  std::string scratch;
  const pid_t pid = start_io_run_until_fio_writes(dir, seen, fio, scratch);
  const LeftoverGuard guard{pid, scratch};
  ASSERT_FALSE(fio.empty()) << test::read_text(dir.path() + "/stderr");
  EXPECT_FALSE(scratch.empty());
  bool fio_limited = false;
  for (const pid_t p : fio) {
    const std::string cmd = cmdline(p);
    const auto at = cmd.find("--runtime=");
    if (cmd.rfind("fio ", 0) != 0 || at == std::string::npos) continue;
    // 1 s warm-up + 2 s measured + 60 s.
    EXPECT_EQ(std::stoi(cmd.substr(at + 10)), 63) << cmd;
    fio_limited = true;
  }
  EXPECT_TRUE(fio_limited);

  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  const int code = wait_exit(pid, 60s);
  EXPECT_EQ(code, 128 + SIGHUP) << test::read_text(dir.path() + "/stderr");
  EXPECT_TRUE(bench_cgroups(pid).empty());
  for (const pid_t p : seen) EXPECT_FALSE(alive(p)) << "pid " << p << " survived";
  EXPECT_FALSE(scratch.empty() || fs::exists(scratch)) << scratch;
  EXPECT_FALSE(fs::exists(dir.path() + "/report/results.json"));
}

// SIGKILL cannot be caught; the kernel still kills what the benchmark started directly
// (PR_SET_PDEATHSIG), and fio is that one process (its jobs are threads), not a parent whose
// job processes would run on.
TEST(BenchCli, FioDiesWithAKilledBenchmark) {
  test::TempDir dir;
  std::set<pid_t> seen, fio;
  std::string scratch;
  const pid_t pid = start_io_run_until_fio_writes(dir, seen, fio, scratch);
  const LeftoverGuard guard{pid, scratch};
  ASSERT_FALSE(fio.empty()) << test::read_text(dir.path() + "/stderr");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_EQ(wait_exit(pid, 60s), 128 + SIGKILL);
  // Signals take effect asynchronously: give the kernel a moment, not fio's 60 s.
  const auto end = std::chrono::steady_clock::now() + 10s;
  const auto any_alive = [&] {
    return std::any_of(fio.begin(), fio.end(), [](pid_t p) { return alive(p); });
  };
  while (any_alive() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(50ms);
  for (const pid_t p : fio) {
    EXPECT_FALSE(alive(p)) << "fio pid " << p << " survived: " << cmdline(p);
  }
}

// `dwae bench 2>&1 | head -n 1`: the reader of the progress lines goes away after the first
// one. The run neither dies of SIGPIPE nor stops: it finishes, writes its report and cleans up.
TEST(BenchCli, AClosedProgressStreamDoesNotStopTheRun) {
  test::TempDir dir;
  const std::string out = dir.path() + "/report";
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const std::vector<std::string> argv = {test::dwae_binary(), "bench", "steady-1to4", "--short",
                                         "--controllers",     "none",  "--warmup",    "1s",
                                         "--duration",        "1s",    "--out",       out};
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int stdout_fd =
        ::open((dir.path() + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || stdout_fd < 0) _exit(126);
    ::dup2(in, 0);
    ::dup2(stdout_fd, 1);
    ::dup2(fds[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(fds[1]);
  const LeftoverGuard guard{pid, ""};
  std::string first;
  for (char c = 0; ::read(fds[0], &c, 1) == 1 && c != '\n';) first += c;
  ::close(fds[0]);
  EXPECT_NE(first.find("dwae bench: scenario steady-1to4"), std::string::npos) << first;
  const int code = wait_exit(pid, 170s);
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(bench_cgroups(pid).empty());
  auto results = read_results_json(out + "/results.json");
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ(results->runs.size(), 1u);
  // The check of --out before the run left no file of its own.
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    EXPECT_EQ(e.path().filename().string().find("probe"), std::string::npos) << e.path();
  }
}

// A --out that cannot be created or written is found before anything is measured, not after
// the whole run (whose results would then be lost).
TEST(BenchCli, AnUnwritableOutIsRefusedBeforeMeasuring) {
  test::TempDir dir;
  dir.write("file", "x");
  dir.write("report/plots", "a file where the plots directory goes");
  for (const std::string& out : {std::string("/proc/nope"), dir.path() + "/file",
                                 dir.path() + "/file/sub", dir.path() + "/report"}) {
    const auto r =
        test::run_process({test::dwae_binary(), "bench", "steady-1to4", "--short", "--controllers",
                           "none", "--warmup", "1s", "--duration", "1s", "--out", out});
    EXPECT_EQ(r.exit_code, 2) << out << ": " << r.err;
    EXPECT_NE(r.err.find("dwae bench: --out " + out + ": cannot "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing measured"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("scenario steady-1to4"), std::string::npos) << r.err;
  }
}

// An explicit controller list with an empty name is refused, not read as "the default set";
// so is an empty scenario name.
TEST(BenchCli, AnEmptyControllerOrScenarioNameIsRefused) {
  test::TempDir dir;
  for (const std::string list : {"", ",,", ",", "none,", ",feedback", "none,,feedback"}) {
    const auto r = test::run_process({test::dwae_binary(), "bench", "steady-1to4", "--short",
                                      "--warmup", "1s", "--duration", "1s", "--controllers", list,
                                      "--out", dir.path() + "/report"});
    EXPECT_EQ(r.exit_code, 2) << list << ": " << r.err;
    EXPECT_NE(r.err.find("dwae bench: --controllers '" + list + "': empty controller name"),
              std::string::npos)
        << r.err;
  }
  const auto r = test::run_process({test::dwae_binary(), "bench", "", "--short", "--warmup", "1s",
                                    "--duration", "1s", "--controllers", "none", "--out",
                                    dir.path() + "/report"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown scenario ''"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dwae::bench
