// `dwae inspect --telemetry` on the real host: the report lists every telemetry source with its
// state; eBPF runs here, so the collectors are on. Without the flag there is no such section.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/process.h"

namespace dwae::telemetry {
namespace {

using nlohmann::json;

json inspect(const std::vector<std::string>& extra) {
  std::vector<std::string> argv{test::dwae_binary(), "inspect", "--telemetry", "--json",
                                "--sample-ms",       "50"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto r = test::run_process(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out, nullptr, false);
}

TEST(InspectTelemetry, ListsEverySourceWithItsState) {
  const json report = inspect({});
  ASSERT_TRUE(report.contains("telemetry")) << report.dump();
  const json& t = report["telemetry"];
  ASSERT_EQ(t["sources"].size(), 10u);
  EXPECT_TRUE(t["bpf_active"].get<bool>()) << t["bpf_problem"];
  for (const auto& s : t["sources"]) {
    const std::string name = s["name"];
    if (name == "bpf:sched" || name == "bpf:memory" || name == "files:cgroup") {
      EXPECT_TRUE(s["active"].get<bool>()) << name << ": " << s["detail"];
      EXPECT_FALSE(s["detail"].get<std::string>().empty());
    }
    if (name == "bpf:raw") {
      EXPECT_FALSE(s["active"].get<bool>());  // opt-in
    }
  }
  EXPECT_TRUE(t["workloads"].is_object());
}

TEST(InspectTelemetry, WithoutTheFlagThereIsNoTelemetrySection) {
  const auto r = test::run_process({test::dwae_binary(), "inspect", "--json", "--sample-ms", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(json::parse(r.out).contains("telemetry"));
}

}  // namespace
}  // namespace dwae::telemetry
