// Audit trail: one record per changed value, JSON lines that round-trip, rotation, queries by
// workload and time, and plain-words explanations.
#include "dwae/agent/audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "support/file_limit.h"
#include "support/temp_dir.h"

namespace dwae::agent {
namespace {

using std::chrono::milliseconds;

actuator::WorkloadPlan weight_plan() {
  actuator::WorkloadPlan p;
  p.workload = "svc/redis.service";
  p.before.cpu_weight = 100;
  p.after.cpu_weight = 125;
  p.before.cpu_idle = false;
  p.after.cpu_idle = false;
  p.before.memory_high = kNoLimit;
  p.after.memory_high = kNoLimit;
  p.adjusted = {{p.workload, "cpu.weight", true, "rate-limited from 400 to 125"}};
  return p;
}

policy::WorkloadExplanation why() {
  policy::WorkloadExplanation e;
  e.workload = "svc/redis.service";
  e.policy = "feedback";
  e.reason = "run-queue delay P99 2.1 ms is above its 0.5 ms budget";
  e.features = {{"runq_p99", 0.71}, {"psi_cpu_some", 0.2}};
  e.guards = {{"ceiling", "cpu.weight", "class ceiling 10000"}};
  return e;
}

TEST(Audit, OneRecordPerChangedValue) {
  const auto e = why();
  const auto records = records_for_plan(weight_plan(), &e, "feedback", false, false, WallTime{});
  ASSERT_EQ(records.size(), 1u);
  const AuditRecord& r = records[0];
  EXPECT_EQ(r.resource, "cpu.weight");
  EXPECT_EQ(r.old_value, "100");
  EXPECT_EQ(r.new_value, "125");
  EXPECT_EQ(r.result, "applied");
  ASSERT_EQ(r.guards.size(), 2u);  // the shield's and the actuator's
  EXPECT_EQ(r.guards[1].guard, "actuator");
  EXPECT_EQ(r.features[0].feature, "runq_p99");
}

TEST(Audit, DryRunAndRollbackAreMarked) {
  EXPECT_EQ(records_for_plan(weight_plan(), nullptr, "rule", true, false, {})[0].result, "planned");
  EXPECT_EQ(records_for_plan(weight_plan(), nullptr, "rule", false, true, {})[0].result,
            "rolled-back");
}

TEST(Audit, JsonLinesRoundTrip) {
  const auto e = why();
  AuditRecord r = records_for_plan(weight_plan(), &e, "feedback", false, false,
                                   WallTime{} + milliseconds(1'764'150'000'123))[0];
  r.class_name = "latency-sensitive";
  const std::string line = to_json_line(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"time\":\"2025-11-26T09:40:00.123Z\""), std::string::npos) << line;
  const auto back = parse_json_line(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->time, r.time);
  EXPECT_EQ(back->workload, r.workload);
  EXPECT_EQ(back->class_name, r.class_name);
  EXPECT_EQ(back->old_value, "100");
  EXPECT_EQ(back->new_value, "125");
  EXPECT_EQ(back->reason, r.reason);
  EXPECT_EQ(back->features.size(), 2u);
  EXPECT_EQ(back->guards.size(), 2u);
  EXPECT_FALSE(parse_json_line("{\"workload\":1}").ok());
  EXPECT_FALSE(parse_json_line("not json").ok());
}

TEST(Audit, WriterAppendsRotatesAndReaderFilters) {
  test::TempDir dir;
  const std::string path = dir.path() + "/audit.jsonl";
  auto writer = AuditWriter::open(path, 2000);
  ASSERT_TRUE(writer.ok());
  const auto e = why();
  const WallTime t0 = std::chrono::system_clock::now() - std::chrono::hours(2);
  for (int i = 0; i < 6; ++i) {
    auto recs = records_for_plan(weight_plan(), &e, "feedback", false, false,
                                 t0 + std::chrono::minutes(20 * i));
    if (i % 2 == 1) recs[0].workload = "other";
    ASSERT_TRUE(writer->write(recs).ok());
  }
  EXPECT_TRUE(std::ifstream(path + ".1").good()) << "rotated past 2000 bytes";
  {
    std::ofstream out(path, std::ios::app);
    out << "garbage line\n";
  }
  const auto all = read_audit(path, "svc/redis.service", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->skipped, 1u);
  // Records of one workload; rotation keeps one old file, so the oldest may be gone.
  ASSERT_GE(all->records.size(), 2u);
  for (size_t i = 1; i < all->records.size(); ++i) {
    EXPECT_LT(all->records[i - 1].time, all->records[i].time);
  }
  const auto recent = read_audit(path, "svc/redis.service", t0 + std::chrono::minutes(70));
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->records.size(), 1u);  // only the one at +80 min
  EXPECT_FALSE(read_audit(dir.path() + "/none.jsonl", "x", std::nullopt).ok());
}

// A rotation that cannot rename (FILE.1 is a directory) or cannot open the new file (no
// descriptor left) loses nothing: the records go to the file the writer has, and a later write
// rotates once it can.
TEST(Audit, AFailedRotationKeepsEveryRecordAndIsTriedAgain) {
  test::TempDir dir;
  const std::string path = dir.path() + "/audit.jsonl";
  ASSERT_EQ(::mkdir((path + ".1").c_str(), 0755), 0);
  ASSERT_TRUE(std::ofstream(path + ".1/keep").good());  // a non-empty directory: rename fails
  auto writer = AuditWriter::open(path, 1000);
  ASSERT_TRUE(writer.ok());
  const auto e = why();
  const WallTime t0 = std::chrono::system_clock::now() - std::chrono::hours(1);
  size_t written = 0, failed_rotations = 0;
  auto write_one = [&](int i) {
    const auto recs =
        records_for_plan(weight_plan(), &e, "feedback", false, false, t0 + std::chrono::seconds(i));
    const auto s = writer->write(recs);
    written += recs.size();
    if (!s.ok()) {
      ++failed_rotations;
      EXPECT_NE(s.error().message.find("appended to the current file"), std::string::npos)
          << s.error().message;
    }
  };
  for (int i = 0; i < 8; ++i) write_one(i);
  EXPECT_GT(failed_rotations, 0u);
  auto all = read_audit(path, "svc/redis.service", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->records.size(), written) << "every record is still in the log";

  // The rename now succeeds, but no descriptor is left for the new file.
  ASSERT_EQ(::unlink((path + ".1/keep").c_str()), 0);
  ASSERT_EQ(::rmdir((path + ".1").c_str()), 0);
  failed_rotations = 0;
  {
    const test::ScopedFileLimit limit(test::ScopedFileLimit::lowest_free_descriptor());
    write_one(8);
    write_one(9);
  }
  EXPECT_EQ(failed_rotations, 2u);
  all = read_audit(path, "svc/redis.service", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->records.size(), written) << "the records went to the renamed file";

  // With descriptors back, the next write rotates: a fresh FILE, the old one as FILE.1.
  failed_rotations = 0;
  write_one(10);
  EXPECT_EQ(failed_rotations, 0u);
  all = read_audit(path, "svc/redis.service", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->records.size(), written);
  for (size_t i = 1; i < all->records.size(); ++i) {
    EXPECT_LT(all->records[i - 1].time, all->records[i].time);
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_LT(st.st_size, 1000) << "a fresh file after the rotation";
}

TEST(Audit, ExplainsInPlainWords) {
  const auto e = why();
  const auto r = records_for_plan(weight_plan(), &e, "feedback", false, false,
                                  WallTime{} + milliseconds(1'764'150'000'123))[0];
  const std::string text = explain_record(r);
  EXPECT_NE(text.find("2025-11-26 09:40:00.123  cpu.weight 100 -> 125: raised by the feedback "
                      "policy because run-queue delay P99 2.1 ms is above its 0.5 ms budget"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("runq_p99 = 0.71"), std::string::npos) << text;
  EXPECT_NE(text.find("ceiling on cpu.weight (class ceiling 10000)"), std::string::npos) << text;
  EXPECT_NE(text.find("actuator on cpu.weight (rate-limited from 400 to 125)"), std::string::npos);

  AuditRecord idle = r;
  idle.resource = "cpu.idle";
  idle.old_value = "0";
  idle.new_value = "1";
  idle.result = "planned";
  EXPECT_NE(explain_record(idle).find("cpu.idle 0 -> 1: turned on"), std::string::npos);
  EXPECT_NE(explain_record(idle).find("dry-run: planned, not written"), std::string::npos);
}

}  // namespace
}  // namespace dwae::agent
