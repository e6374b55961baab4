// Audit trail: one record per changed value, JSON lines that round-trip, rotation, queries by
// workload and time, and plain-words explanations.
#include "dwae/agent/audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string_view>

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

// A well-formed line with `extra` spliced in after the required fields.
std::string line_with(const std::string& extra) {
  return R"({"time":"2026-11-26T21:00:00.000Z","workload":"web","resource":"cpu.weight",)"
         R"("old":"1","new":"2")" +
         (extra.empty() ? "" : "," + extra) + "}";
}

std::string nested_arrays(size_t depth, std::string_view innermost = "") {
  return std::string(depth, '[') + std::string(innermost) + std::string(depth, ']');
}

TEST(Audit, EveryFieldMustHaveItsType) {
  ASSERT_TRUE(parse_json_line(line_with("")).ok());
  ASSERT_TRUE(parse_json_line(line_with(R"("features":[],"guards":[],"dry_run":true)")).ok());
  for (const std::string extra :
       {R"("class":5)", R"("policy":7)", R"("reason":["a"])", R"("result":{"a":1})",
        R"("dry_run":1)", R"("features":"abc")", R"("features":{"x":{"name":"a","value":3}})",
        R"("features":[1])", R"("features":[{"name":"a"}])", R"("features":[{"value":1}])",
        R"("features":[{"name":"a","value":"1"}])", R"("features":[{"name":["a"],"value":1}])",
        R"("guards":{"g":{"guard":"a","field":"b"}})", R"("guards":[{"guard":"a"}])",
        R"("guards":[{"guard":"a","field":"b","detail":false}])", R"("guards":[[]])"}) {
    EXPECT_FALSE(parse_json_line(line_with(extra)).ok()) << extra;
  }
  EXPECT_FALSE(parse_json_line(R"({"time":"2026-11-26T21:00:00.000Z","workload":"web",)"
                               R"("resource":5,"old":"1","new":"2"})")
                   .ok());
}

// The parser takes any depth; nothing after it may recurse over a value that deep (nlohmann's
// copy, dump and comparison recurse once per level, and 200,000 levels overflow the stack).
TEST(Audit, ADeeplyNestedValueIsAnUnreadableLineNotACrash) {
  const std::string deep = nested_arrays(200'000);
  EXPECT_FALSE(parse_json_line(line_with(R"("features":)" + deep)).ok());
  EXPECT_FALSE(parse_json_line(line_with(R"("guards":)" + deep)).ok());
  EXPECT_FALSE(parse_json_line(line_with(R"("reason":)" + deep)).ok());
  EXPECT_FALSE(
      parse_json_line(line_with(R"("features":[{"name":)" + deep + R"(,"value":1}])")).ok());
  const auto unknown = parse_json_line(line_with(R"("junk":)" + deep));
  ASSERT_TRUE(unknown.ok()) << unknown.error().message;  // a field no one reads is ignored
  EXPECT_EQ(unknown->workload, "web");
}

TEST(Audit, ALineWithATimeOutOfRangeIsUnreadable) {
  for (const char* time : {"9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z",
                           "2026-11-26T21:00:00.-99Z", "2026-13-26T21:00:00.000Z"}) {
    const std::string line = std::string(R"({"time":")") + time +
                             R"(","workload":"web","resource":"cpu.weight","old":"1","new":"2"})";
    EXPECT_FALSE(parse_json_line(line).ok()) << line;
  }
}

// What is not a regular file is refused at once: a directory (an ifstream opens one and reads
// nothing, which looked like an empty log), a FIFO (would block), /dev/zero (never ends).
TEST(Audit, ReaderRefusesWhatIsNotARegularFile) {
  test::TempDir dir;
  const auto as_directory = read_audit(dir.path(), "web", std::nullopt);
  ASSERT_FALSE(as_directory.ok());
  EXPECT_NE(as_directory.error().message.find("is a directory"), std::string::npos)
      << as_directory.error().message;

  const std::string fifo = dir.path() + "/audit.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto as_fifo = read_audit(fifo, "web", std::nullopt);
  ASSERT_FALSE(as_fifo.ok());
  EXPECT_NE(as_fifo.error().message.find("not a regular file"), std::string::npos);

  const std::string zero = dir.path() + "/audit.jsonl";
  ASSERT_EQ(::symlink("/dev/zero", zero.c_str()), 0);
  EXPECT_FALSE(read_audit(zero, "web", std::nullopt).ok());

  // In FILE.1's place, what is not a regular file is not a rotated log (a directory there
  // keeps the writer from rotating): it is passed over, not read.
  const std::string path = dir.path() + "/log.jsonl";
  dir.write("log.jsonl", line_with("") + "\n");
  ASSERT_EQ(::symlink("/dev/zero", (path + ".1").c_str()), 0);
  const auto beside_zero = read_audit(path, "web", std::nullopt);
  ASSERT_TRUE(beside_zero.ok()) << beside_zero.error().message;
  EXPECT_EQ(beside_zero->records.size(), 1u);
  EXPECT_EQ(beside_zero->skipped, 0u);
}

// A read that fails is an error, not the end of the log. Reading /proc/self/mem from offset 0
// (an address never mapped) fails with EIO: a regular file whose read(2) fails.
TEST(Audit, AReadErrorIsReportedNotTakenForTheEnd) {
  const auto r = read_audit("/proc/self/mem", "web", std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("reading audit log /proc/self/mem"), std::string::npos)
      << r.error().message;
}

TEST(Audit, AnOverlongLineIsSkippedAndTheRestRead) {
  test::TempDir dir;
  const std::string path = dir.path() + "/audit.jsonl";
  const std::string overlong = line_with(R"("reason":")" + std::string(3 << 20, 'x') + "\"");
  dir.write("audit.jsonl", line_with("") + "\n" + overlong + "\n" + line_with("") + "\n" +
                               line_with(R"("reason":"last, no newline")"));
  const auto q = read_audit(path, "web", std::nullopt);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->skipped, 1u);
  ASSERT_EQ(q->records.size(), 3u);
  EXPECT_EQ(q->records[2].reason, "last, no newline");
}

// Text from the log goes to a terminal: control characters are escaped, UTF-8 text is kept.
TEST(Audit, ExplainEscapesControlCharacters) {
  const auto r = parse_json_line(line_with(
      R"("reason":"\u001b]0;owned\u0007\u001b[2J\r\u001b[Kfake line","policy":"caf\u00e9",)"
      R"("features":[{"name":"a\nb","value":1}],"guards":[{"guard":"g\u009b","field":"f"}])"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string text = explain_record(*r);
  EXPECT_NE(text.find("because \\x1b]0;owned\\x07\\x1b[2J\\x0d\\x1b[Kfake line"), std::string::npos)
      << text;
  EXPECT_NE(text.find("by the caf\xc3\xa9 policy"), std::string::npos) << text;
  EXPECT_NE(text.find("a\\x0ab = 1"), std::string::npos) << text;
  EXPECT_NE(text.find("g\\xc2\\x9b on f"), std::string::npos) << text;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(c == '\n' || (u >= 0x20 && u != 0x7f)) << static_cast<int>(u);
  }
}

}  // namespace
}  // namespace dwae::agent
