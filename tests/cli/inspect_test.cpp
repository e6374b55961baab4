// `dwae inspect` on this machine: the layout it reports, and workloads in real test cgroups
// whose values must equal what the cgroup files hold.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "support/cgroup_sandbox.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae {
namespace {

using nlohmann::json;

std::string file_value(const std::string& path) {
  std::string v = test::read_text(path);
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

void put(const std::string& path, const std::string& value) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  std::fputs(value.c_str(), f);
  ASSERT_EQ(std::fclose(f), 0) << path;
}

std::string expected_layout(const test::CgroupSandbox& sandbox) {
  const bool v2 = sandbox.mount_for("unified") != nullptr;
  const bool v1 = sandbox.mount_for("cpu") != nullptr && !sandbox.mount_for("cpu")->v2;
  return v1 && v2 ? "hybrid" : v1 ? "v1" : v2 ? "v2" : "none";
}

class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_.create("ls");
    sandbox_.create("be");
    cpu_v1_ = !sandbox_.mount_for("cpu")->v2;
    mem_v1_ = !sandbox_.mount_for("memory")->v2;
    if (cpu_v1_) {
      put(sandbox_.dir("cpu", "ls") + "/cpu.shares", "2048");
      put(sandbox_.dir("cpu", "be") + "/cpu.shares", "2");
      put(sandbox_.dir("cpu", "be") + "/cpu.cfs_quota_us", "10000");
    } else {
      put(sandbox_.dir("cpu", "ls") + "/cpu.weight", "200");
      put(sandbox_.dir("cpu", "be") + "/cpu.weight", "1");
      put(sandbox_.dir("cpu", "be") + "/cpu.max", "10000 100000");
    }
    put(sandbox_.dir("memory", "ls") + (mem_v1_ ? "/memory.limit_in_bytes" : "/memory.max"),
        "268435456");
    sandbox_.spawn({"sleep", "30"}, "ls");
    sandbox_.spawn({"sleep", "30"}, "be");
    config_.write("dwae.yaml",
                  "agent:\n  dry_run: true\n"
                  "workloads:\n"
                  "  - name: ls\n    class: latency-sensitive\n"
                  "    match: {cgroup: \"**/" +
                      sandbox_.name() +
                      "/ls\"}\n"
                      "  - name: be\n    class: best-effort\n"
                      "    match: {cgroup: \"**/" +
                      sandbox_.name() + "/be\"}\n");
  }

  const json* workload(const json& report, const std::string& name) {
    for (const auto& w : report["workloads"]) {
      if (w["name"] == name) return &w;
    }
    return nullptr;
  }

  test::CgroupSandbox sandbox_;
  test::TempDir config_;
  bool cpu_v1_ = true;
  bool mem_v1_ = true;
};

TEST_F(InspectTest, JsonListsConfiguredWorkloadsWithTheKernelsValues) {
  const auto r = test::run_process({test::dwae_binary(), "inspect", "--config",
                                    config_.path() + "/dwae.yaml", "--json", "--sample-ms", "50"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["layout"]["kind"], expected_layout(sandbox_));
  EXPECT_EQ(report["layout"]["psi"]["system"], std::filesystem::exists("/proc/pressure/cpu"));
  ASSERT_EQ(report["workloads"].size(), 2u) << r.out;
  const json* ls = workload(report, sandbox_.name() + "/ls");
  const json* be = workload(report, sandbox_.name() + "/be");
  ASSERT_NE(ls, nullptr) << r.out;
  ASSERT_NE(be, nullptr) << r.out;
  EXPECT_EQ((*ls)["class_kind"], "latency-sensitive");
  EXPECT_EQ((*be)["class_kind"], "best-effort");
  EXPECT_EQ((*ls)["dirs"]["cpu"], sandbox_.dir("cpu", "ls"));
  EXPECT_EQ((*ls)["dirs"]["memory"], sandbox_.dir("memory", "ls"));

  for (const auto& [w, child] : {std::pair{ls, "ls"}, std::pair{be, "be"}}) {
    const auto& s = (*w)["settings"];
    const std::string cpu = sandbox_.dir("cpu", child);
    const std::string mem = sandbox_.dir("memory", child);
    if (cpu_v1_) {
      EXPECT_EQ(std::to_string(s["cpu_shares"].get<uint64_t>()), file_value(cpu + "/cpu.shares"));
      EXPECT_EQ(std::to_string(s["cpu_period_us"].get<uint64_t>()),
                file_value(cpu + "/cpu.cfs_period_us"));
      const std::string quota = file_value(cpu + "/cpu.cfs_quota_us");
      EXPECT_EQ(s["cpu_quota_us"].is_string() ? std::string("-1")
                                              : std::to_string(s["cpu_quota_us"].get<uint64_t>()),
                quota);
    } else {
      EXPECT_EQ(std::to_string(s["cpu_weight"].get<uint64_t>()), file_value(cpu + "/cpu.weight"));
    }
    if (mem_v1_) {
      const std::string limit = file_value(mem + "/memory.limit_in_bytes");
      if (s["memory_max"].is_string()) {
        EXPECT_GE(limit.size(), 19u);  // LONG_MAX rounded to a page: "unlimited"
      } else {
        EXPECT_EQ(std::to_string(s["memory_max"].get<uint64_t>()), limit);
      }
    }
    const auto& u = (*w)["usage"];
    ASSERT_TRUE(u["cpu_usage_ns"].is_number()) << u.dump();
    EXPECT_TRUE(u["cpu_cores"].is_number());
    EXPECT_TRUE(u["memory_current_bytes"].is_number());
  }
  EXPECT_EQ((*ls)["settings"]["memory_max"], 268435456u);
  EXPECT_TRUE(report["errors"].empty());
}

TEST_F(InspectTest, TableShowsLayoutAndWorkloads) {
  const auto r = test::run_process({test::dwae_binary(), "inspect", "--config",
                                    config_.path() + "/dwae.yaml", "--sample-ms", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cgroup layout: " + expected_layout(sandbox_)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(sandbox_.name() + "/ls"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(sandbox_.name() + "/be"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("256.0MiB"), std::string::npos) << r.out;
}

TEST_F(InspectTest, WithoutConfigListsTopLevelCgroupsOfEveryHierarchy) {
  // Every directory directly under each controller's mount point that exists all through the
  // run is listed (tests running beside this one make and remove their own cgroups there).
  std::set<std::string> before;
  for (const char* c : {"cpu", "memory"}) {
    const auto* m = sandbox_.mount_for(c);
    for (const auto& e : std::filesystem::directory_iterator(m->mount_point)) {
      if (e.is_directory()) before.insert(e.path().string());
    }
  }
  ASSERT_FALSE(before.empty());
  const auto r = test::run_process({test::dwae_binary(), "inspect", "--json", "--sample-ms", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  std::set<std::string> listed;
  for (const auto& w : report["workloads"]) listed.insert(w["name"].get<std::string>());
  for (const auto& dir : before) {
    if (!std::filesystem::is_directory(dir)) continue;  // removed meanwhile
    EXPECT_TRUE(listed.count(std::filesystem::path(dir).filename().string())) << dir;
  }
}

// With --telemetry the eBPF collectors load (a second or more) before the interval starts: the
// CPU a workload used while they loaded is not divided by the interval. One busy thread uses at
// most one CPU.
TEST_F(InspectTest, TelemetryDoesNotInflateTheCpuRate) {
  sandbox_.spawn({"/bin/sh", "-c", "while :; do :; done"}, "ls");
  const auto r =
      test::run_process({test::dwae_binary(), "inspect", "--config", config_.path() + "/dwae.yaml",
                         "--json", "--telemetry", "--sample-ms", "200"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(r.out);
  const json* ls = workload(report, sandbox_.name() + "/ls");
  ASSERT_NE(ls, nullptr) << r.out;
  const auto& cores = (*ls)["usage"]["cpu_cores"];
  ASSERT_TRUE(cores.is_number()) << ls->dump();
  // Kernel CPU accounting is per scheduler tick: a few ms either way over 200 ms.
  EXPECT_LT(cores.get<double>(), 1.2) << ls->dump();
  EXPECT_GT(cores.get<double>(), 0.0) << ls->dump();
}

TEST(Inspect, BadConfigExitsTwoWithFileLineErrors) {
  test::TempDir dir;
  dir.write("bad.yaml", "agent:\n  period: 200\n");
  const auto r =
      test::run_process({test::dwae_binary(), "inspect", "--config", dir.path() + "/bad.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir.path() + "/bad.yaml:2:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dwae
