// The restore journal: persisted before writes, reloaded, refused when corrupt, restored with
// missing cgroups skipped, and links that escape the roots refused.
#include "dwae/actuator/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "dwae/actuator/cgroup_actuator.h"
#include "support/temp_dir.h"

namespace dwae::actuator {
namespace {

TEST(Journal, RecordsPersistAndReload) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state/journal.json";
  auto j = Journal::open(path);
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE(j->entries().empty());
  ASSERT_TRUE(j->record("/sys/fs/cgroup/cpu/a/cpu.shares", "1024\n").ok());
  ASSERT_TRUE(j->record("/sys/fs/cgroup/cpu/a/cpu.shares", "2\n").ok());  // first one wins
  auto again = Journal::open(path);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->entries().size(), 1u);
  EXPECT_EQ(again->entries()[0].original, "1024\n");
  EXPECT_EQ(again->boot_id().size(), 36u);  // this boot's, as the kernel spells it
  EXPECT_EQ(again->boot_id(), current_boot_id());
  ASSERT_TRUE(again->remove().ok());
  EXPECT_EQ(::access(path.c_str(), F_OK), -1);
}

TEST(Journal, APathThatIsNotUtf8IsRefusedNotFatal) {
  test::TempDir dir;
  const std::string path = dir.path() + "/journal.json";
  auto j = Journal::open(path);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->record("/sys/fs/cgroup/cpu/a/cpu.shares", "1024\n").ok());
  const auto bad = j->record("/sys/fs/cgroup/cpu/tenant-\xff/cpu.shares", "1024\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("tenant-\\xff"), std::string::npos) << bad.error().message;
  // Nothing of it is kept, in memory or on disk; the earlier entry is.
  EXPECT_FALSE(j->contains("/sys/fs/cgroup/cpu/tenant-\xff/cpu.shares"));
  auto again = Journal::open(path);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->entries().size(), 1u);
}

TEST(Journal, OneOwnerAtATime) {
  test::TempDir dir;
  const std::string path = dir.path() + "/state/journal.json";
  {
    auto first = JournalLock::acquire(path);
    ASSERT_TRUE(first.ok()) << first.error().message;
    const auto second = JournalLock::acquire(path);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("belongs to another running dwae"), std::string::npos)
        << second.error().message;
    // Moving the lock keeps it held.
    JournalLock moved = std::move(first).value();
    EXPECT_FALSE(JournalLock::acquire(path).ok());
  }
  EXPECT_TRUE(JournalLock::acquire(path).ok());  // released with its holder
}

TEST(Journal, ForgetDropsSomeEntriesOnDiskAndAllDeletesTheFile) {
  test::TempDir dir;
  const std::string path = dir.path() + "/journal.json";
  auto j = Journal::open(path);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->record_all({{"/cg/a/cpu.shares", "1024\n"}, {"/cg/b/cpu.shares", "512\n"}}).ok());
  ASSERT_TRUE(j->forget({"/cg/a/cpu.shares", "/cg/not-there"}).ok());
  EXPECT_FALSE(j->contains("/cg/a/cpu.shares"));
  auto again = Journal::open(path);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->entries().size(), 1u);
  EXPECT_EQ(again->entries()[0].path, "/cg/b/cpu.shares");
  ASSERT_TRUE(j->forget({"/cg/b/cpu.shares"}).ok());
  EXPECT_EQ(::access(path.c_str(), F_OK), -1);
}

TEST(Journal, CorruptJournalIsRefusedNotDiscarded) {
  test::TempDir dir;
  dir.write("journal.json", "{\"version\": 1, \"entries\": [{\"path\": 3}]}");
  EXPECT_FALSE(Journal::open(dir.path() + "/journal.json").ok());
  dir.write("journal.json", "not json");
  EXPECT_FALSE(Journal::open(dir.path() + "/journal.json").ok());
  RealFileSystem fs;
  EXPECT_FALSE(restore_journal(dir.path() + "/journal.json", fs).ok());
}

TEST(Journal, RestoreWritesOriginalsAndSkipsVanishedCgroups) {
  test::TempDir dir;
  dir.write("cg/a/cpu.shares", "2\n");
  auto j = Journal::open(dir.path() + "/journal.json");
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->record(dir.path() + "/cg/a/cpu.shares", "1024\n").ok());
  ASSERT_TRUE(j->record(dir.path() + "/cg/gone/cpu.shares", "1024\n").ok());
  RealFileSystem fs;
  const auto report = restore_journal(dir.path() + "/journal.json", fs);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.restored, 1u);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_EQ(test::read_text(dir.path() + "/cg/a/cpu.shares"), "1024");
  EXPECT_EQ(::access((dir.path() + "/journal.json").c_str(), F_OK), -1);
  EXPECT_TRUE(restore_journal(dir.path() + "/journal.json", fs).ok());  // none: nothing to do
}

// Each failure is reported as data: the file that keeps its current value and why, or the
// journal's own failure (here it cannot be rewritten after the rest went back), whatever words
// the message uses.
TEST(Journal, PutBackReportsEachFailureWithItsFileAndWhy) {
  test::TempDir dir;
  dir.write("cg/a/cpu.shares", "2\n");
  dir.mkdir("cg/b/cpu.shares");  // not readable as a value: cannot be put back
  const std::string journal_path = dir.path() + "/journal.json";
  auto j = Journal::open(journal_path);
  ASSERT_TRUE(j.ok());
  const JournalEntry a{dir.path() + "/cg/a/cpu.shares", "1024\n"};
  const JournalEntry b{dir.path() + "/cg/b/cpu.shares", "1024\n"};
  const JournalEntry kept{dir.path() + "/cg/kept/cpu.shares", "1024\n"};
  ASSERT_TRUE(j->record_all({a, b, kept}).ok());
  dir.mkdir("journal.json.tmp");  // the next rewrite of the journal fails
  RealFileSystem fs;
  const RestoreReport report = j->put_back({a, b}, fs);
  EXPECT_EQ(report.restored, 1u);
  EXPECT_EQ(test::read_text(a.path), "1024");
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failed(), 2u);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.failures[0].path, b.path);
  EXPECT_NE(report.failures[0].message.find("Is a directory"), std::string::npos)
      << report.failures[0].message;
  EXPECT_EQ(report.failures[1].path, "");
  EXPECT_NE(report.failures[1].message.find(journal_path + ".tmp"), std::string::npos)
      << report.failures[1].message;
  EXPECT_EQ(report.failed_paths(), std::vector<std::string>{b.path});
  EXPECT_TRUE(report.messages.empty());  // nothing was skipped
  // Nothing is forgotten that the journal on disk still holds.
  EXPECT_EQ(j->entries().size(), 3u);
}

TEST(Journal, ActuatorRefusesASymlinkThatLeavesTheRoots) {
  test::TempDir dir;
  dir.write("outside/victim/cpu.shares", "1024\n");
  dir.mkdir("root");
  ASSERT_EQ(::symlink((dir.path() + "/outside/victim").c_str(), (dir.path() + "/root/w").c_str()),
            0);
  hostfs::CgroupLayout layout;  // no hierarchies: files are read and written with v1 names
  ActuatorOptions options;
  options.cgroup_roots = {dir.path() + "/root"};
  options.journal_path = dir.path() + "/journal.json";
  RealFileSystem fs;
  auto a = CgroupActuator::create(layout, options, fs);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ManagedWorkload w;
  w.name = "w";
  w.files.dirs.get(hostfs::Controller::kCpu) = dir.path() + "/root/w";
  a->set_workloads({w});
  Decision d;
  d.workloads.push_back(WorkloadDecision{"w", {}});
  d.workloads[0].targets.cpu_weight = 900;
  const auto report = a->apply(d);
  EXPECT_EQ(report.workloads_failed, 1u);
  EXPECT_EQ(test::read_text(dir.path() + "/outside/victim/cpu.shares"), "1024\n");
  bool refused = false;
  for (const auto& f : report.fields)
    refused |= f.message.find("outside the configured") != std::string::npos;
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace dwae::actuator

namespace dwae::actuator {
namespace {

TEST(Journal, ActuatorRefusesAFileThatIsALink) {
  test::TempDir dir;
  dir.write("outside/cpu.shares", "1024\n");
  dir.mkdir("root/w");
  ASSERT_EQ(::symlink((dir.path() + "/outside/cpu.shares").c_str(),
                      (dir.path() + "/root/w/cpu.shares").c_str()),
            0);
  hostfs::CgroupLayout layout;
  ActuatorOptions options;
  options.cgroup_roots = {dir.path() + "/root"};
  options.journal_path = dir.path() + "/journal.json";
  RealFileSystem fs;
  auto a = CgroupActuator::create(layout, options, fs);
  ASSERT_TRUE(a.ok());
  ManagedWorkload w;
  w.name = "w";
  w.files.dirs.get(hostfs::Controller::kCpu) = dir.path() + "/root/w";
  a->set_workloads({w});
  Decision d;
  d.workloads.push_back(WorkloadDecision{"w", {}});
  d.workloads[0].targets.cpu_weight = 900;
  const auto report = a->apply(d);
  EXPECT_EQ(report.workloads_failed, 1u);
  EXPECT_EQ(test::read_text(dir.path() + "/outside/cpu.shares"), "1024\n");
}

}  // namespace
}  // namespace dwae::actuator
