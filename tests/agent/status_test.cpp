// Status file: the document a tick produces renders as a table, and an old one says the agent
// is not running.
#include "dwae/agent/status.h"

#include <gtest/gtest.h>

#include "agent/agent_test_support.h"
#include "support/temp_dir.h"

namespace dwae::agent {
namespace {

TickResult tick() {
  TickResult t;
  t.ok = true;
  WorkloadInfo ls = fixtures::info("svc/redis.service", "latency-sensitive",
                                   WorkloadClassKind::kLatencySensitive);
  ls.p99_target = std::chrono::milliseconds(2);
  t.workloads = {
      ls, fixtures::info("svc/batch.service", "best-effort", WorkloadClassKind::kBestEffort)};
  WorkloadSample a;
  a.name = ls.name;
  a.applied.cpu_weight = 400;
  WorkloadSample b;
  b.name = "svc/batch.service";
  b.applied.cpu_idle = true;
  b.applied.cpu_quota_us = 20'000;
  b.applied.cpu_period_us = 100'000;
  t.sample.workloads = {a, b};
  policy::WorkloadExplanation e;
  e.workload = ls.name;
  e.reason = "run-queue delay above budget";
  t.explanations = {e};
  return t;
}

TEST(Status, RendersWorkloadsSettingsAndReasons) {
  const WallTime now = std::chrono::system_clock::now();
  const StatusHeader header{42,     "feedback",    false, std::chrono::milliseconds(200),
                            "real", "cgroup files"};
  const std::string doc = status_json(header, tick(), 17, now);
  const auto text = render_status(doc, now + std::chrono::milliseconds(300));
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_NE(text->find("agent pid 42, policy feedback, enforce, period 200 ms"), std::string::npos)
      << *text;
  EXPECT_NE(text->find("svc/redis.service"), std::string::npos);
  EXPECT_NE(text->find("400"), std::string::npos);
  EXPECT_NE(text->find("2ms"), std::string::npos);
  EXPECT_NE(text->find("0.2"), std::string::npos);  // the quota in CPUs
  EXPECT_NE(text->find("last decision: run-queue delay above budget"), std::string::npos);
  EXPECT_EQ(text->find("NOT RUNNING"), std::string::npos);
  const auto stale = render_status(doc, now + std::chrono::seconds(30));
  ASSERT_TRUE(stale.ok());
  EXPECT_NE(stale->find("NOT RUNNING"), std::string::npos);
  EXPECT_FALSE(render_status("{}", now).ok());
  EXPECT_FALSE(render_status("nonsense", now).ok());
}

TEST(Status, ANameThatIsNotUtf8IsWrittenWithAReplacementCharacter) {
  const WallTime now = std::chrono::system_clock::now();
  const StatusHeader header{7, "rule", true, std::chrono::milliseconds(200), "real", "eBPF"};
  TickResult t = tick();
  t.workloads[0].name = "svc/bad\xff.service";
  t.sample.workloads[0].name = t.workloads[0].name;
  t.explanations[0].workload = t.workloads[0].name;
  std::string doc;
  ASSERT_NO_THROW(doc = status_json(header, t, 1, now));
  const auto text = render_status(doc, now);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_NE(text->find("svc/bad\xef\xbf\xbd.service"), std::string::npos) << *text;
  EXPECT_NE(text->find("400"), std::string::npos) << *text;
}

TEST(Status, AFieldOfTheWrongTypeIsAnErrorNotACrash) {
  const auto now = WallTime(std::chrono::milliseconds(1'000'000));
  for (const char* doc : {R"({"workloads":[],"pid":"1234"})", R"({"workloads":[],"policy":null})",
                          R"({"workloads":[],"epoch_ms":"x"})"}) {
    const auto r = render_status(doc, now);
    EXPECT_FALSE(r.ok()) << doc;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("not a DWAE status document"), std::string::npos) << doc;
    }
  }
  EXPECT_FALSE(render_status("", now).ok());
  EXPECT_FALSE(render_status("{\"workl", now).ok());
}

void expect_not_a_status_document(const std::string& doc, WallTime now) {
  const auto r = render_status(doc, now);
  EXPECT_FALSE(r.ok()) << doc.substr(0, 200) << "\n" << (r.ok() ? *r : "");
  if (!r.ok()) {
    EXPECT_NE(r.error().message.find("not a DWAE status document"), std::string::npos)
        << r.error().message;
  }
}

// The parser takes any depth; nothing after it may recurse over a value that deep (nlohmann's
// copy, dump and comparison recurse once per level, and 200,000 levels overflow the stack).
TEST(Status, ADeeplyNestedValueIsAnErrorNotACrash) {
  const auto now = WallTime(std::chrono::milliseconds(1'000'000));
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  for (const char* field : {"name", "class", "cpu_weight", "cpu_idle", "last_reason"}) {
    expect_not_a_status_document(
        std::string(R"({"workloads":[{")") + field + R"(":)" + deep + "}]}", now);
  }
  expect_not_a_status_document(R"({"last_error":)" + deep + R"(,"workloads":[]})", now);
  expect_not_a_status_document(R"({"workloads":)" + deep + "}", now);
  // A field no one reads is ignored, however deep.
  const auto r = render_status(
      R"({"junk":)" + deep + R"(,"workloads":[{"name":"web","x":)" + deep + "}]}", now);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->find("web"), std::string::npos);
}

// Integers where integers belong and each within its range: what the agent cannot have written
// (and what would overflow the age or print as another number) makes the document invalid.
TEST(Status, NumbersOutOfRangeMakeTheDocumentInvalid) {
  const auto now = WallTime(std::chrono::milliseconds(1'795'000'001'000));
  for (const char* doc : {R"({"workloads":[],"epoch_ms":-9223372036854775808})",
                          R"({"workloads":[],"epoch_ms":18446744073709551615})",
                          R"({"workloads":[],"epoch_ms":-1})",
                          R"({"workloads":[],"epoch_ms":1e300})",
                          R"({"workloads":[],"epoch_ms":1795000000000.5})",
                          R"({"workloads":[],"period_ms":9223372036854775807})",
                          R"({"workloads":[],"period_ms":-1e300})",
                          R"({"workloads":[],"period_ms":-1})",
                          R"({"workloads":[],"pid":99999999999})",
                          R"({"workloads":[],"pid":1e20})",
                          R"({"workloads":[],"pid":-3})",
                          R"({"workloads":[],"pid":0})",
                          R"({"workloads":[],"ticks":-5})",
                          R"({"workloads":[],"ticks":2.5})",
                          R"({"workloads":[],"last_tick_ms":-1})",
                          R"({"workloads":[],"last_tick_ms":1e300})",
                          R"({"workloads":[],"last_error":5})",
                          R"({"workloads":{}})",
                          R"({"workloads":[1]})",
                          R"({"workloads":[{"name":["web"]}]})",
                          R"({"workloads":[{"cpu_weight":"100"}]})",
                          R"({"workloads":[{"cpu_weight":-100}]})",
                          R"({"workloads":[{"cpu_idle":1}]})",
                          R"({"workloads":[{"memory_low_bytes":1.5}]})",
                          R"({"workloads":[{"cpu_quota_cores":"0.5"}]})",
                          R"({"workloads":[{"p99_target_ms":null}]})"}) {
    expect_not_a_status_document(doc, now);
  }
  // The largest values in range render, with the arithmetic on them exact.
  const auto r = render_status(
      R"({"workloads":[],"epoch_ms":253402300799999,"period_ms":86400000,"pid":2147483647,)"
      R"("ticks":18446744073709551615})",
      now);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->find("agent pid 2147483647, policy ?, ?, period 86400000 ms, host ?, "
                    "18446744073709551615 ticks"),
            std::string::npos)
      << *r;
  EXPECT_EQ(r->find("NOT RUNNING"), std::string::npos) << "an update in the future is not stale";
  const auto old = render_status(R"({"workloads":[],"epoch_ms":0,"period_ms":86400000})", now);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_NE(old->find("NOT RUNNING: last update ?, 1795000001.0 s ago"), std::string::npos) << *old;
}

// Names and reasons go to a terminal: control characters are escaped, UTF-8 text is kept.
TEST(Status, ControlCharactersInTextAreEscaped) {
  const auto now = WallTime(std::chrono::milliseconds(1'000'000));
  const auto r = render_status(
      R"({"policy":"\u001b[2J","last_error":"a\rb","workloads":[{"name":"caf\u00e9\u001b]0;x\u0007",)"
      R"("class":"c\u009b1m","last_reason":"why\nfake line"}]})",
      now);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->find("policy \\x1b[2J,"), std::string::npos) << *r;
  EXPECT_NE(r->find("last error: a\\x0db\n"), std::string::npos) << *r;
  EXPECT_NE(r->find("caf\xc3\xa9\\x1b]0;x\\x07 "), std::string::npos) << *r;
  EXPECT_NE(r->find("c\\xc2\\x9b1m"), std::string::npos) << *r;
  EXPECT_NE(r->find("last decision: why\\x0afake line\n"), std::string::npos) << *r;
  for (const char c : *r) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(c == '\n' || (u >= 0x20 && u != 0x7f)) << static_cast<int>(u);
  }
}

TEST(Status, WritesAtomically) {
  test::TempDir dir;
  const std::string path = dir.path() + "/status.json";
  ASSERT_TRUE(write_atomically(path, "one").ok());
  ASSERT_TRUE(write_atomically(path, "two").ok());
  EXPECT_EQ(test::read_text(path), "two");
  EXPECT_FALSE(write_atomically(dir.path() + "/missing/status.json", "x").ok());
}

}  // namespace
}  // namespace dwae::agent
