// Crash safety: a child applies a decision and is killed with SIGKILL in the middle (at several
// points); `dwae restore`, or the next actuator start, brings every touched file back.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "dwae/actuator/cgroup_actuator.h"
#include "real_cgroup_fixture.h"
#include "support/process.h"

namespace dwae::actuator {
namespace {

using hostfs::Controller;
using test_support::RealCgroupTest;

// Kills its own process just before the `kill_at`-th write.
class KillingFileSystem final : public FileSystem {
 public:
  explicit KillingFileSystem(size_t kill_at) : kill_at_(kill_at) {}
  Result<std::string> read(const std::string& path) override { return real_.read(path); }
  Result<std::string> resolve(const std::string& path) override { return real_.resolve(path); }
  Result<bool> is_symlink(const std::string& path) override { return real_.is_symlink(path); }
  Status write(const std::string& path, std::string_view value) override {
    if (writes_++ == kill_at_) ::kill(::getpid(), SIGKILL);
    return real_.write(path, value);
  }

 private:
  RealFileSystem real_;
  size_t kill_at_;
  size_t writes_ = 0;
};

class CrashTest : public RealCgroupTest {
 protected:
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> m;
    const bool cpu_v1 = v1(Controller::kCpu);
    for (const char* f : cpu_v1 ? std::vector<const char*>{"cpu.shares", "cpu.cfs_quota_us",
                                                           "cpu.cfs_period_us", "cpu.idle"}
                                : std::vector<const char*>{"cpu.weight", "cpu.max", "cpu.idle"}) {
      m[f] = dwae::test::read_text(file(Controller::kCpu, f));
    }
    const std::string mem = v1(Controller::kMemory) ? "memory.limit_in_bytes" : "memory.max";
    m[mem] = dwae::test::read_text(file(Controller::kMemory, mem));
    m["cpuset.cpus"] = dwae::test::read_text(file(Controller::kCpuset, "cpuset.cpus"));
    return m;
  }

  // Runs the decision in a child that dies before write number `kill_at`.
  void crash_at(size_t kill_at) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      KillingFileSystem fs(kill_at);
      auto a = CgroupActuator::create(layout_, options_, fs);
      if (!a.ok()) _exit(3);
      a->set_workloads({workload_});
      Decision d;
      ResourceTargets& t = d.workloads.emplace_back(WorkloadDecision{"w", {}}).targets;
      t.cpu_weight = 400;
      t.cpu_quota_us = 25000;
      t.cpu_period_us = 50000;
      t.cpuset_cpus = std::vector<uint32_t>{0};
      t.memory_max_bytes = 64ull << 20;
      (void)a->apply(d);
      _exit(0);  // the kill point was past the last write
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  }
};

TEST_F(CrashTest, DwaeRestoreBringsBackEveryValueAfterSigkill) {
  const auto original = snapshot();
  for (size_t kill_at : {1u, 2u, 4u}) {
    crash_at(kill_at);
    EXPECT_NE(snapshot(), original) << "nothing changed before the kill at " << kill_at;
    const auto r = dwae::test::run_process(
        {dwae::test::dwae_binary(), "restore", "--journal", options_.journal_path});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(snapshot(), original) << "after kill at write " << kill_at;
    EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), -1);
  }
}

// A value the kernel no longer takes (here a cpuset naming a CPU this host does not have) keeps
// its journal: `dwae restore` puts back the rest, keeps only what failed and says so, and
// --give-up-failed lets it go so that the agent can start again.
TEST_F(CrashTest, RestoreKeepsOnlyWhatFailedUntilToldToGiveItUp) {
  const std::string cpus = file(Controller::kCpuset, "cpuset.cpus");
  const std::string weight =
      file(Controller::kCpu, v1(Controller::kCpu) ? "cpu.shares" : "cpu.weight");
  const std::string weight_before = dwae::test::read_text(weight);
  {
    auto j = Journal::open(options_.journal_path);
    ASSERT_TRUE(j.ok());
    ASSERT_TRUE(j->record_all({{weight, weight_before}, {cpus, "4095\n"}}).ok());
  }
  ASSERT_TRUE(RealFileSystem().write(weight, v1(Controller::kCpu) ? "3072" : "300").ok());

  const auto first = dwae::test::run_process(
      {dwae::test::dwae_binary(), "restore", "--journal", options_.journal_path});
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_NE(first.out.find("--give-up-failed"), std::string::npos) << first.out;
  EXPECT_EQ(dwae::test::read_text(weight), weight_before);
  auto left = Journal::open(options_.journal_path);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->entries().size(), 1u);
  EXPECT_EQ(left->entries()[0].path, cpus);

  const auto second = dwae::test::run_process({dwae::test::dwae_binary(), "restore", "--journal",
                                               options_.journal_path, "--give-up-failed"});
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("gave up on " + cpus), std::string::npos) << second.out;
  EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), -1);
}

// A journal that cannot be read is not silently dropped: `dwae restore` says the journal itself
// failed (no value failed), keeps it, and --give-up-failed says that every value it recorded
// is left as it is now before deleting it.
TEST_F(CrashTest, GivingUpAnUnreadableJournalSaysWhatIsLeft) {
  std::ofstream(options_.journal_path) << "{ not a journal";
  const auto first = dwae::test::run_process(
      {dwae::test::dwae_binary(), "restore", "--journal", options_.journal_path});
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_NE(first.out.find("0 failed, and the journal itself failed"), std::string::npos)
      << first.out;
  EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), 0);
  const auto second = dwae::test::run_process({dwae::test::dwae_binary(), "restore", "--journal",
                                               options_.journal_path, "--give-up-failed"});
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("gave up on the journal " + options_.journal_path), std::string::npos)
      << second.out;
  EXPECT_NE(second.out.find("every value it recorded is left as it is now"), std::string::npos)
      << second.out;
  EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), -1);
}

// A journal written before the last reboot names cgroups that are all gone; one made since at
// the same path holds what its owner set at this boot, and nothing is written into it.
TEST_F(CrashTest, AJournalFromAnEarlierBootIsDroppedNotRestored) {
  const std::string weight =
      file(Controller::kCpu, v1(Controller::kCpu) ? "cpu.shares" : "cpu.weight");
  const std::string now = v1(Controller::kCpu) ? "3072" : "300";
  ASSERT_TRUE(RealFileSystem().write(weight, now).ok());
  nlohmann::json doc;
  doc["version"] = 1;
  doc["boot_id"] = "00000000-0000-0000-0000-000000000000";
  doc["entries"] = nlohmann::json::array({{{"path", weight}, {"original", "1024\n"}}});
  std::ofstream(options_.journal_path) << doc.dump();

  const auto r = dwae::test::run_process(
      {dwae::test::dwae_binary(), "restore", "--journal", options_.journal_path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("from an earlier boot"), std::string::npos) << r.err;
  EXPECT_EQ(dwae::test::read_text(weight), now + "\n");
  EXPECT_EQ(::access(options_.journal_path.c_str(), F_OK), -1);
}

TEST_F(CrashTest, NextStartRestoresTheJournalFirst) {
  const auto original = snapshot();
  crash_at(2);
  ASSERT_NE(snapshot(), original);
  RealFileSystem fs;
  auto a = CgroupActuator::create(layout_, options_, fs);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(snapshot(), original);
  EXPECT_TRUE(a->journal().entries().empty());
}

}  // namespace
}  // namespace dwae::actuator
