// BenchCgroups and Child on this host's real cgroups: created under the test's own cgroup,
// children start inside them, and remove_all() kills what is left (forks included) and
// removes every directory.
#include "dwae/bench/cgroups.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "dwae/bench/process.h"
#include "support/temp_dir.h"

namespace dwae::bench {
namespace {

using namespace std::chrono_literals;

bool alive(pid_t pid) {
  // A zombie still has /proc/<pid>; its state is 'Z'.
  const std::string stat = test::read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string unique_root() {
  return "dwae-bench-test-" + std::to_string(::getpid());
}

TEST(BenchCgroups, CreatesUnderOwnCgroupAndRemovesEverything) {
  auto cgroups = BenchCgroups::create(unique_root());
  ASSERT_TRUE(cgroups.ok()) << cgroups.error().message;
  auto& cg = **cgroups;
  ASSERT_FALSE(cg.hierarchies().empty());
  ASSERT_TRUE(cg.add("tenants/hogs").ok());
  ASSERT_TRUE(cg.add("loadgen").ok());
  const auto dirs = cg.dirs("tenants/hogs");
  ASSERT_EQ(dirs.size(), cg.hierarchies().size());
  for (size_t i = 0; i < dirs.size(); ++i) {
    EXPECT_EQ(dirs[i], cg.hierarchies()[i].own_dir + "/" + unique_root() + "/tenants/hogs");
    EXPECT_TRUE(is_dir(dirs[i])) << dirs[i];
  }
  ASSERT_FALSE(cg.dir(hostfs::Controller::kCpu, "loadgen").empty());
  ASSERT_TRUE(cg.write(hostfs::Controller::kCpu, "loadgen", "cpu.shares", "4096").ok());
  auto shares = cg.read(hostfs::Controller::kCpu, "loadgen", "cpu.shares");
  ASSERT_TRUE(shares.ok());
  EXPECT_EQ(*shares, "4096");

  // A child that forks a grandchild: both end up inside, both are killed by remove_all().
  SpawnSpec spec;
  spec.argv = {"sh", "-c", "sleep 120 & exec sleep 120"};
  spec.cgroup_dirs = dirs;
  auto child = Child::spawn(spec);
  ASSERT_TRUE(child.ok()) << child.error().message;
  std::vector<pid_t> inside;
  for (int i = 0; i < 200 && inside.size() < 2; ++i) {
    std::this_thread::sleep_for(10ms);
    inside = cg.pids("tenants/hogs");
  }
  ASSERT_EQ(inside.size(), 2u);
  const std::string own = test::read_text("/proc/" + std::to_string(child->pid()) + "/cgroup");
  EXPECT_NE(own.find(unique_root() + "/tenants/hogs"), std::string::npos) << own;

  ASSERT_TRUE(cg.remove_all().ok());
  child->wait(5000ms, false);
  for (const pid_t pid : inside) EXPECT_FALSE(alive(pid)) << pid;
  for (const auto& h : cg.hierarchies()) {
    EXPECT_FALSE(is_dir(h.own_dir + "/" + unique_root())) << h.own_dir;
  }
  EXPECT_TRUE(cg.remove_all().ok());  // twice is fine
}

TEST(BenchCgroups, RefusesARootThatExists) {
  auto first = BenchCgroups::create(unique_root() + "-twice");
  ASSERT_TRUE(first.ok());
  auto second = BenchCgroups::create(unique_root() + "-twice");
  EXPECT_FALSE(second.ok());
  // The failed attempt must not have removed the first one's directories.
  for (const auto& h : (*first)->hierarchies()) {
    EXPECT_TRUE(is_dir(h.own_dir + "/" + unique_root() + "-twice"));
  }
}

TEST(Child, ExitCodesOutputAndStop) {
  test::TempDir dir;
  auto ok = run_to_completion({"sh", "-c", "echo hello"}, {}, dir.path() + "/a", 10000ms);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, "hello\n");
  auto failed =
      run_to_completion({"sh", "-c", "echo oops >&2; exit 3"}, {}, dir.path() + "/b", 10000ms);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("exited with 3"), std::string::npos);
  EXPECT_NE(failed.error().message.find("oops"), std::string::npos);
  EXPECT_FALSE(run_to_completion({"/nonexistent/tool"}, {}, dir.path() + "/c", 10000ms).ok());

  SpawnSpec spec;
  spec.argv = {"sleep", "120"};
  auto sleeper = Child::spawn(spec);
  ASSERT_TRUE(sleeper.ok());
  EXPECT_TRUE(sleeper->running());
  EXPECT_EQ(sleeper->stop(SIGTERM, 5000ms), 128 + SIGTERM);
  EXPECT_FALSE(sleeper->running());
}

}  // namespace
}  // namespace dwae::bench
