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
