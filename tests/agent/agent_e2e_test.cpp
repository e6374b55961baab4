// The agent end to end on this host: `dwae run --config` against real cgroups created under the
// test's own cgroup, holding a latency-sensitive sleeper and CPU hogs. It must move weights the
// right way within a few periods, serve metrics that a real Prometheus scrapes and promtool
// accepts, put every value back on SIGTERM and after kill -9 plus a restart, refuse a bad
// config at start (exit 2, FILE:LINE:COL) and at reload (keeps running).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "agent/agent_test_support.h"
#include "dwae/record/recording.h"
#include "support/cgroup_sandbox.h"
#include "support/file_limit.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae::agent {
namespace {

using dwae::test::CgroupSandbox;
using dwae::test::TempDir;
using namespace std::chrono_literals;

constexpr const char* kSleeper = DWAE_AGENT_SLEEPER;
// A CPU hog that ends by itself (about a minute or two) if nobody stops it.
const std::vector<std::string> kHog = {"sh", "-c",
                                       "i=0; while [ $i -lt 1000000000 ]; do i=$((i+1)); done"};

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

// GET http://127.0.0.1:port/path; the body, or "" when nothing answers.
std::string http_get(int port, const std::string& path) {
  const std::string out =
      fixtures::http_exchange(port, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  const auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// A background process with its output in files; killed (by pid) when destroyed.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::string& dir, const std::string& tag)
      : out_(dir + "/" + tag + ".out"), err_(dir + "/" + tag + ".err") {
    pid_ = test::start_process(argv, out_, err_);
  }
  ~Background() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return !exited_;
  }
  // Sends `sig` and waits up to 20 s; the exit code (128 + signal when killed), or -1.
  int stop(int sig) {
    if (!running()) return code_;
    ::kill(pid_, sig);
    eventually([&] { return !running(); }, 20s);
    return exited_ ? code_ : -1;
  }
  std::string err() const { return test::read_text(err_); }

 private:
  std::string out_, err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

std::string read_value(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

class AgentEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_.create("ls");
    sandbox_.create("hogs");
    state_dir_ = tmp_.path() + "/state";
    metrics_port_ = free_port();
    // The settings the agent may change, as they are before it starts.
    for (const char* child : {"ls", "hogs"}) {
      for (const auto& [controller, files] : std::map<std::string, std::vector<std::string>>{
               {"cpu",
                {"cpu.shares", "cpu.idle", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.weight",
                 "cpu.max"}},
               {"memory",
                {"memory.soft_limit_in_bytes", "memory.limit_in_bytes", "memory.low",
                 "memory.high"}},
               {"blkio", {"blkio.bfq.weight"}},
               {"io", {"io.weight", "io.bfq.weight"}}}) {
        if (sandbox_.mount_for(controller) == nullptr) continue;
        for (const auto& f : files) {
          const std::string path = sandbox_.dir(controller, child) + "/" + f;
          if (::access(path.c_str(), R_OK) == 0) originals_[path] = read_value(path);
        }
      }
    }
    ASSERT_FALSE(originals_.empty());
  }

  std::string cpu_file(const std::string& child, const std::string& file) const {
    return sandbox_.dir("cpu", child) + "/" + file;
  }

  std::string config(const std::string& policy = "feedback") const {
    std::string roots;
    for (const auto& m : sandbox_.mounts()) {
      roots += (roots.empty() ? "" : ", ") + m.mount_point + (m.own_path == "/" ? "" : m.own_path) +
               "/" + sandbox_.name();
    }
    return "agent:\n"
           "  period: 100ms\n"
           "  cgroup_roots: [" +
           roots +
           "]\n"
           "  state_dir: " +
           state_dir_ +
           "\n"
           "  metrics_address: 127.0.0.1:" +
           std::to_string(metrics_port_) +
           "\n"
           "policy:\n"
           "  name: " +
           policy +
           "\n"
           "classes:\n"
           "  - name: web\n"
           "    kind: latency-sensitive\n"
           "    sla: {p99_latency: 2ms}\n"
           "workloads:\n"
           "  - name: ls\n"
           "    class: web\n"
           "    match: {cgroup: \"**/" +
           sandbox_.name() +
           "/ls\"}\n"
           "  - name: hogs\n"
           "    class: best-effort\n"
           "    match: {cgroup: \"**/" +
           sandbox_.name() + "/hogs\"}\n";
  }

  std::string write_config(const std::string& text) const {
    const std::string path = tmp_.path() + "/config.yaml";
    tmp_.write("config.yaml", text);
    return path;
  }

  // The static policy, with the latency-sensitive workload's weight set to 400: the agent
  // moves it there (cpu.shares 4096 on v1) and holds it, whatever the load does.
  std::string static_config_with_ls_at_400() const {
    std::string text = config("static");
    const std::string ls_match = "/ls\"}\n";
    const auto at = text.find(ls_match);
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) {
      text.insert(at + ls_match.size(), "    settings: {cpu_weight: 400}\n");
    }
    return text;
  }

  std::vector<std::string> agent_argv(const std::string& config_path) const {
    return {test::dwae_binary(), "run", "--config", config_path};
  }

  void start_load() {
    sandbox_.spawn({kSleeper, "120000", "1000"}, "ls");
    sandbox_.spawn(kHog, "hogs");
    sandbox_.spawn(kHog, "hogs");
  }

  // True once the agent moved CPU toward the latency-sensitive sleeper.
  bool weights_moved() const {
    const std::string ls = read_value(cpu_file("ls", "cpu.shares"));
    const std::string hogs = read_value(cpu_file("hogs", "cpu.shares"));
    const std::string idle = read_value(cpu_file("hogs", "cpu.idle"));
    return (!ls.empty() && ls != originals_.at(cpu_file("ls", "cpu.shares"))) ||
           (!hogs.empty() && hogs != originals_.at(cpu_file("hogs", "cpu.shares"))) ||
           (idle == "1");
  }

  // Every file the agent may have changed holds its original content again.
  void expect_restored() const {
    for (const auto& [path, value] : originals_) EXPECT_EQ(read_value(path), value) << path;
  }

  CgroupSandbox sandbox_;
  TempDir tmp_;
  std::string state_dir_;
  int metrics_port_ = 0;
  std::map<std::string, std::string> originals_;
};

TEST_F(AgentEndToEnd, MovesWeightsServesMetricsToPrometheusAndRestoresOnSigterm) {
  ASSERT_EQ(sandbox_.mount_for("cpu") != nullptr, true);
  start_load();
  Background agent(agent_argv(write_config(config())), tmp_.path(), "agent");
  ASSERT_TRUE(eventually([&] { return weights_moved(); }, 30s)) << agent.err();
  // The latency-sensitive workload gains, the hogs lose: never the other way round.
  const auto ls_shares = std::stoull(read_value(cpu_file("ls", "cpu.shares")));
  const auto hog_shares = std::stoull(read_value(cpu_file("hogs", "cpu.shares")));
  EXPECT_GE(ls_shares, std::stoull(originals_.at(cpu_file("ls", "cpu.shares"))));
  EXPECT_LE(hog_shares, std::stoull(originals_.at(cpu_file("hogs", "cpu.shares"))));

  // The endpoint serves, and promtool accepts what it serves.
  std::string metrics;
  ASSERT_TRUE(eventually(
      [&] {
        metrics = http_get(metrics_port_, "/metrics");
        return metrics.find("dwae_workload_runqueue_delay_seconds{workload=\"" + sandbox_.name() +
                            "/ls\"") != std::string::npos;
      },
      10s))
      << metrics << agent.err();
  EXPECT_NE(metrics.find("dwae_workload_cpu_weight{workload=\"" + sandbox_.name() +
                         "/hogs\",class=\"best-effort\"}"),
            std::string::npos);
  tmp_.write("metrics.txt", metrics);
  const auto promtool =
      test::run_process({"sh", "-c", "promtool check metrics < " + tmp_.path() + "/metrics.txt"});
  EXPECT_EQ(promtool.exit_code, 0) << promtool.out << promtool.err;

  // A real Prometheus on loopback scrapes it.
  const int prom_port = free_port();
  tmp_.write("prometheus.yml",
             "global:\n  scrape_interval: 1s\nscrape_configs:\n"
             "  - job_name: dwae\n    static_configs:\n"
             "      - targets: ['127.0.0.1:" +
                 std::to_string(metrics_port_) + "']\n");
  Background prometheus({"prometheus", "--config.file=" + tmp_.path() + "/prometheus.yml",
                         "--storage.tsdb.path=" + tmp_.path() + "/tsdb",
                         "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                        tmp_.path(), "prometheus");
  std::string answer;
  const bool scraped = eventually(
      [&] {
        answer = http_get(prom_port, "/api/v1/query?query=dwae_ticks_total%7Bjob%3D%22dwae%22%7D");
        return answer.find("\"__name__\":\"dwae_ticks_total\"") != std::string::npos;
      },
      45s);
  EXPECT_TRUE(scraped) << answer << prometheus.err();
  const std::string up = http_get(prom_port, "/api/v1/query?query=up%7Bjob%3D%22dwae%22%7D");
  EXPECT_NE(up.find("\"value\":["), std::string::npos) << up;
  EXPECT_NE(up.find(",\"1\"]"), std::string::npos) << up;
  EXPECT_EQ(prometheus.stop(SIGTERM), 0) << prometheus.err();

  // status and explain read what the running agent wrote.
  const auto status = test::run_process({test::dwae_binary(), "status", "--state-dir", state_dir_});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("policy feedback, enforce"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("hogs"), std::string::npos) << status.out;
  const auto explain = test::run_process(
      {test::dwae_binary(), "explain", sandbox_.name() + "/hogs", "--state-dir", state_dir_});
  EXPECT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("by the feedback policy"), std::string::npos) << explain.out;

  EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.err();
  expect_restored();
  EXPECT_NE(agent.err().find("every value touched was restored"), std::string::npos);
  const auto after = test::run_process({test::dwae_binary(), "status", "--state-dir", state_dir_});
  EXPECT_EQ(after.exit_code, 1) << "no status file once the agent stopped";
}

TEST_F(AgentEndToEnd, KillNineThenRestartRestoresEveryValue) {
  start_load();
  const std::string cfg = write_config(config());
  {
    Background agent(agent_argv(cfg), tmp_.path(), "agent");
    ASSERT_TRUE(eventually([&] { return weights_moved(); }, 30s)) << agent.err();
    EXPECT_EQ(agent.stop(SIGKILL), 128 + SIGKILL);
  }
  EXPECT_TRUE(weights_moved()) << "kill -9 leaves the changed values behind";
  EXPECT_EQ(::access((state_dir_ + "/journal.json").c_str(), F_OK), 0);
  // The next start restores from the journal before anything else; this one stops at once.
  const auto restart = test::run_process(
      {test::dwae_binary(), "run", "--config", cfg, "--duration", "300ms", "--no-bpf"});
  EXPECT_EQ(restart.exit_code, 0) << restart.err;
  EXPECT_NE(restart.err.find("did not stop cleanly: restoring"), std::string::npos) << restart.err;
  expect_restored();
  EXPECT_NE(::access((state_dir_ + "/journal.json").c_str(), F_OK), 0);
}

TEST_F(AgentEndToEnd, StateDirFlagMovesTheJournalAndItsOwnerIsNotUndoneUnderIt) {
  start_load();
  // The config names a state directory; --state-dir moves it, journal included. The static
  // policy holds what it set (an adaptive one may move a weight back on its own while the
  // checks below run).
  const std::string cfg = write_config(static_config_with_ls_at_400());
  const std::string shares = cpu_file("ls", "cpu.shares");
  const std::string moved = tmp_.path() + "/moved-state";
  std::vector<std::string> argv = agent_argv(cfg);
  argv.insert(argv.end(), {"--state-dir", moved});
  // Started with a soft open-file limit below the hard one, as under systemd's default.
  std::optional<test::ScopedFileLimit> low_limit(std::in_place, 1024);
  Background agent(argv, tmp_.path(), "agent");
  low_limit.reset();
  ASSERT_TRUE(eventually([&] { return read_value(shares) == "4096"; }, 30s)) << agent.err();
  EXPECT_EQ(::access((moved + "/journal.json").c_str(), F_OK), 0);
  // It raised its open-file limit to the hard one (a descriptor per statistics file of every
  // cgroup).
  std::ifstream limits("/proc/" + std::to_string(agent.pid()) + "/limits");
  std::string line;
  while (std::getline(limits, line) && !line.starts_with("Max open files")) {
  }
  std::istringstream fields(line.substr(std::string("Max open files").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  EXPECT_EQ(soft, hard) << line;
  EXPECT_NE(::access((state_dir_ + "/journal.json").c_str(), F_OK), 0);

  // While the agent runs, neither `dwae restore` nor a second agent may undo what it holds.
  const auto restore =
      test::run_process({test::dwae_binary(), "restore", "--journal", moved + "/journal.json"});
  EXPECT_EQ(restore.exit_code, 1) << restore.out << restore.err;
  EXPECT_NE(restore.err.find("belongs to another running dwae"), std::string::npos) << restore.err;
  const auto second = test::run_process({test::dwae_binary(), "run", "--config", cfg, "--state-dir",
                                         moved, "--duration", "300ms", "--no-bpf"});
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find("another running dwae"), std::string::npos) << second.err;
  // Nor may a dry-run agent share its state directory (status file and audit log).
  const auto dry = test::run_process({test::dwae_binary(), "run", "--config", cfg, "--state-dir",
                                      moved, "--dry-run", "--duration", "300ms", "--no-bpf"});
  EXPECT_EQ(dry.exit_code, 1) << dry.err;
  EXPECT_NE(dry.err.find("is used by another running dwae"), std::string::npos) << dry.err;
  EXPECT_EQ(read_value(shares), "4096") << "the running agent's values are still in place";
  EXPECT_EQ(::access((moved + "/journal.json").c_str(), F_OK), 0);

  EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.err();
  expect_restored();
  const auto after =
      test::run_process({test::dwae_binary(), "restore", "--journal", moved + "/journal.json"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_NE(after.out.find("no journal at"), std::string::npos) << after.out;
}

// The static policy holds the configured weight: it reaches it in max_step steps, and the audit
// log has one record per real change, none for the ticks after.
TEST_F(AgentEndToEnd, StaticReachesItsTargetAndTheAuditHasOnlyRealChanges) {
  std::vector<std::string> argv = agent_argv(write_config(static_config_with_ls_at_400()));
  argv.emplace_back("--no-bpf");
  Background agent(argv, tmp_.path(), "agent");
  const std::string shares = cpu_file("ls", "cpu.shares");
  ASSERT_TRUE(eventually([&] { return read_value(shares) == "4096"; }, 30s))
      << "cpu.shares " << read_value(shares) << "\n"
      << agent.err();
  const auto audit_lines = [&] {
    std::ifstream in(state_dir_ + "/audit.jsonl");
    size_t n = 0;
    for (std::string line; std::getline(in, line);) n += line.empty() ? 0 : 1;
    return n;
  };
  std::this_thread::sleep_for(300ms);  // the last tick's record is written
  const size_t after_reaching = audit_lines();
  EXPECT_GE(after_reaching, 2u);  // 100 -> 400 at 25 % a tick takes several
  EXPECT_LE(after_reaching, 8u);
  std::this_thread::sleep_for(1s);  // ten more ticks that change nothing
  EXPECT_EQ(audit_lines(), after_reaching);
  EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.err();
  expect_restored();
}

// A dry run writes nothing, so the static policy plans the same first step every tick: the
// audit log has it once (not once a tick), as "planned", and the weight is untouched.
TEST_F(AgentEndToEnd, ADryRunLogsAnUnchangedPlanOnce) {
  std::vector<std::string> argv = agent_argv(write_config(static_config_with_ls_at_400()));
  for (const char* a : {"--dry-run", "--no-bpf", "--duration", "1s"}) argv.emplace_back(a);
  const auto run = test::run_process(argv);  // about ten 100 ms ticks
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> lines;
  std::ifstream in(state_dir_ + "/audit.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 1u) << (lines.empty() ? "no record" : lines[0] + "\n" + lines.back());
  EXPECT_NE(lines[0].find("\"result\":\"planned\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("cpu.weight"), std::string::npos) << lines[0];
  expect_restored();  // nothing was written
}

// Two stop signals at once: the first stops the agent, the second, still pending when it exits,
// neither kills it after its restore nor changes its exit code.
TEST_F(AgentEndToEnd, ASecondStopSignalDoesNotReplaceTheExitCode) {
  start_load();
  Background agent(agent_argv(write_config(config())), tmp_.path(), "agent");
  ASSERT_TRUE(eventually([&] { return weights_moved(); }, 30s)) << agent.err();
  ::kill(agent.pid(), SIGTERM);
  EXPECT_EQ(agent.stop(SIGINT), 0) << agent.err();
  expect_restored();
}

// A closed stderr (`dwae run 2>&1 | head -1`, a log shipper gone) does not kill the agent: it
// runs its course and exits 0.
TEST_F(AgentEndToEnd, AClosedStderrDoesNotKillTheAgent) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string cfg = write_config(config());
  const std::string bin = test::dwae_binary();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], STDERR_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::execl(bin.c_str(), bin.c_str(), "run", "--config", cfg.c_str(), "--duration", "1s",
            "--no-bpf", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);  // nobody reads: the agent's first log line meets a closed pipe
  ::close(fds[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << "killed by signal "
                                 << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  if (WIFEXITED(status)) {
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  expect_restored();
}

TEST_F(AgentEndToEnd, WorkloadsThatAppearAndVanishAreHandled) {
  start_load();
  const std::string late_rule =
      "  - name: late\n    class: best-effort\n"
      "    match: {cgroup: \"**/" +
      sandbox_.name() + "/late\"}\n";
  Background agent(agent_argv(write_config(config() + late_rule)), tmp_.path(), "agent");
  ASSERT_TRUE(eventually([&] { return weights_moved(); }, 30s)) << agent.err();
  const auto has = [&](const std::string& workload) {
    return http_get(metrics_port_, "/metrics")
               .find("dwae_workload_cpu_usage_seconds_total{workload=\"" + sandbox_.name() + "/" +
                     workload + "\"") != std::string::npos;
  };
  // A cgroup made while the agent runs becomes a workload at the next discovery.
  sandbox_.create("late");
  const pid_t late = sandbox_.spawn(kHog, "late");
  EXPECT_TRUE(eventually([&] { return has("late"); }, 15s)) << agent.err();
  // One removed while the agent runs (after it changed it) is dropped without a failed tick.
  sandbox_.kill(late);
  for (const auto& m : sandbox_.mounts()) {
    const std::string dir =
        m.mount_point + (m.own_path == "/" ? "" : m.own_path) + "/" + sandbox_.name() + "/late";
    EXPECT_TRUE(eventually([&] { return ::rmdir(dir.c_str()) == 0 || errno == ENOENT; }, 5s))
        << dir;
  }
  EXPECT_TRUE(eventually([&] { return !has("late"); }, 15s)) << agent.err();
  EXPECT_TRUE(agent.running());
  const std::string metrics = http_get(metrics_port_, "/metrics");
  EXPECT_NE(metrics.find("dwae_tick_failures_total 0\n"), std::string::npos) << metrics;
  // Stopping restores the rest; the vanished cgroup's files are skipped, not an error.
  EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.err();
  expect_restored();
}

// Every failure of putting back a vanished workload's values reaches the log as an error, not
// only those whose message happens to start with "failed": here the journal cannot be rewritten
// once the workload's files leave it.
TEST_F(AgentEndToEnd, AJournalThatCannotBeRewrittenOnAReleaseIsLoggedAsAnError) {
  start_load();
  const std::string late_rule =
      "  - name: late\n    class: best-effort\n"
      "    match: {cgroup: \"**/" +
      sandbox_.name() + "/late\"}\n";
  sandbox_.create("late");
  const pid_t late = sandbox_.spawn(kHog, "late");
  Background agent(agent_argv(write_config(config() + late_rule)), tmp_.path(), "agent");
  const std::string journal = state_dir_ + "/journal.json";
  const std::string late_dir = "/" + sandbox_.name() + "/late/";
  ASSERT_TRUE(
      eventually([&] { return test::read_text(journal).find(late_dir) != std::string::npos; }, 30s))
      << agent.err();
  ASSERT_EQ(::mkdir((journal + ".tmp").c_str(), 0700), 0);  // the journal's next rewrite fails
  sandbox_.kill(late);
  for (const auto& m : sandbox_.mounts()) {
    const std::string dir =
        m.mount_point + (m.own_path == "/" ? "" : m.own_path) + "/" + sandbox_.name() + "/late";
    EXPECT_TRUE(eventually([&] { return ::rmdir(dir.c_str()) == 0 || errno == ENOENT; }, 5s))
        << dir;
  }
  const std::string logged = "level=error msg=\"journal: open " + journal + ".tmp";
  EXPECT_TRUE(eventually([&] { return agent.err().find(logged) != std::string::npos; }, 15s))
      << agent.err();
  EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.err();
  expect_restored();
}

TEST_F(AgentEndToEnd, RecordsThisHostThroughTheAgentsHostSource) {
  start_load();
  const std::string out = tmp_.path() + "/host.arrows";
  const auto r =
      test::run_process({test::dwae_binary(), "record", "--config", write_config(config()),
                         "--duration", "1s", "--period", "100ms", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reader = record::RecordingReader::open(out);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  size_t ticks = 0;
  uint64_t ls_cpu = 0;
  for (;;) {
    auto tick = reader->next();
    ASSERT_TRUE(tick.ok()) << tick.error().message;
    if (!*tick) break;
    ++ticks;
    ASSERT_EQ((*tick)->sample.workloads.size(), 2u);
    for (const auto& w : (*tick)->sample.workloads) {
      if (w.name == sandbox_.name() + "/ls") ls_cpu = w.cpu_usage_ns;
    }
  }
  EXPECT_GE(ticks, 5u);
  EXPECT_GT(ls_cpu, 0u) << "the sleeper's CPU time, from its cgroup";
  expect_restored();  // recording writes nothing
  const auto no_config =
      test::run_process({test::dwae_binary(), "record", "--duration", "1s", "--out", out});
  EXPECT_NE(no_config.exit_code, 0);
  EXPECT_NE(no_config.err.find("--config FILE is needed"), std::string::npos) << no_config.err;
}

TEST_F(AgentEndToEnd, BadConfigAtStartExitsTwoWithFileLineErrors) {
  const std::string path = write_config(config() +
                                        "  - name: broken\n    class: nosuch\n"
                                        "    match: {cgroup: \"/x\"}\n");
  const auto r = test::run_process({test::dwae_binary(), "run", "--config", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nosuch"), std::string::npos) << r.err;
  expect_restored();  // nothing was written
}

TEST_F(AgentEndToEnd, ReloadRefusesABadConfigAndAppliesAGoodOne) {
  start_load();
  const std::string cfg = write_config(config());
  Background agent(agent_argv(cfg), tmp_.path(), "agent");
  ASSERT_TRUE(eventually([&] { return http_get(metrics_port_, "/metrics").size() > 0; }, 15s))
      << agent.err();
  write_config("agent: {period: 1ms}\npolicy: {name: nonsense}\n");
  ::kill(agent.pid(), SIGHUP);
  ASSERT_TRUE(eventually(
      [&] {
        return http_get(metrics_port_, "/metrics")
                   .find("dwae_config_reloads_total{result=\"error\"} 1") != std::string::npos;
      },
      10s))
      << agent.err();
  EXPECT_TRUE(agent.running());
  EXPECT_NE(agent.err().find("reload refused: " + cfg + ":"), std::string::npos) << agent.err();
  EXPECT_NE(http_get(metrics_port_, "/metrics").find("dwae_info{policy=\"feedback\""),
            std::string::npos);

  // A good config that also turns dry-run on: the policy changes now, dry-run at the next
  // start, and the log says so.
  std::string rule = config("rule");
  rule.insert(rule.find("agent:\n") + 7, "  dry_run: true\n");
  write_config(rule);
  ::kill(agent.pid(), SIGHUP);
  EXPECT_TRUE(eventually(
      [&] {
        return http_get(metrics_port_, "/metrics").find("dwae_info{policy=\"rule\"") !=
               std::string::npos;
      },
      10s))
      << agent.err();
  EXPECT_NE(agent.err().find("reload: agent.dry_run changed in the file; that takes effect at the "
                             "next start"),
            std::string::npos)
      << agent.err();
  EXPECT_EQ(agent.stop(SIGTERM), 0) << agent.err();
  expect_restored();
}

}  // namespace
}  // namespace dwae::agent
