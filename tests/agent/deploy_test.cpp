// Deployment files: the systemd unit passes systemd-analyze, the Kubernetes manifest mounts
// what the agent needs and carries a config our validator accepts, and every series the Grafana
// dashboard queries is one the agent exports.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "agent/agent_test_support.h"
#include "dwae/agent/metrics.h"
#include "dwae/config/loader.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae::agent {
namespace {

const std::string kDeploy = std::string(DWAE_SOURCE_DIR) + "/deploy";

TEST(Deploy, SystemdUnitVerifiesCleanly) {
  const std::string unit = test::read_text(kDeploy + "/dwae.service");
  for (const char* line :
       {"ExecStart=/usr/local/bin/dwae run --config /etc/dwae/config.yaml\n",
        "ExecStopPost=/usr/local/bin/dwae restore --journal /var/lib/dwae/journal.json\n",
        "ExecReload=/bin/kill -HUP $MAINPID\n", "KillSignal=SIGTERM\n",
        "ReadWritePaths=/sys/fs/cgroup /var/lib/dwae\n", "ProtectSystem=strict\n",
        "NoNewPrivileges=yes\n", "LimitNOFILE=65536\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
  // systemd-analyze checks the executables exist: point them at this build's binary.
  ::dwae::test::TempDir dir;
  std::string copy = unit;
  for (size_t at = 0; (at = copy.find("/usr/local/bin/dwae", at)) != std::string::npos;) {
    copy.replace(at, 19, ::dwae::test::dwae_binary());
    at += ::dwae::test::dwae_binary().size();
  }
  dir.write("dwae.service", copy);
  const auto r =
      ::dwae::test::run_process({"systemd-analyze", "verify", dir.path() + "/dwae.service"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Unknown or misspelt directives are only warnings to systemd: refuse them here.
  EXPECT_EQ(r.err.find("dwae.service"), std::string::npos) << r.err;
}

TEST(Deploy, KubernetesManifestMountsWhatTheAgentNeeds) {
  const auto docs = YAML::LoadAllFromFile(kDeploy + "/kubernetes/dwae-daemonset.yaml");
  std::string config_text;
  YAML::Node daemonset;
  for (const auto& d : docs) {
    if (d["kind"].as<std::string>() == "ConfigMap")
      config_text = d["data"]["config.yaml"].as<std::string>();
    if (d["kind"].as<std::string>() == "DaemonSet") daemonset = d;
  }
  ASSERT_FALSE(config_text.empty());
  ASSERT_TRUE(daemonset.IsDefined());
  const auto loaded = config::load_config_text(config_text, "configmap:config.yaml");
  ASSERT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].format());
  EXPECT_TRUE(loaded.config->agent.dry_run) << "the shipped manifest starts in dry-run";

  const auto spec = daemonset["spec"]["template"]["spec"];
  EXPECT_TRUE(spec["hostPID"].as<bool>());
  const auto container = spec["containers"][0];
  std::vector<std::string> args;
  for (const auto& a : container["args"]) args.push_back(a.as<std::string>());
  EXPECT_EQ(args, (std::vector<std::string>{"run", "--config", "/etc/dwae/config.yaml"}));
  std::set<std::string> mounts;
  for (const auto& m : container["volumeMounts"]) mounts.insert(m["mountPath"].as<std::string>());
  EXPECT_EQ(mounts.count("/sys/fs/cgroup"), 1u);
  EXPECT_EQ(mounts.count("/etc/dwae"), 1u);
  EXPECT_EQ(mounts.count(loaded.config->agent.state_dir), 1u) << "the journal must outlive the pod";
  for (const auto& root : loaded.config->agent.cgroup_roots) {
    EXPECT_EQ(root.rfind("/sys/fs/cgroup", 0), 0u) << root;
  }
  const std::string port = loaded.config->agent.metrics_address.substr(
      loaded.config->agent.metrics_address.rfind(':') + 1);
  EXPECT_EQ(container["ports"][0]["containerPort"].as<std::string>(), port);
}

TEST(Deploy, DashboardQueriesOnlyExportedSeries) {
  // Every family the agent exports, from a tick that fills every series.
  Metrics m;
  TickResult t;
  t.ok = true;
  t.workloads = {fixtures::info("w", "c", WorkloadClassKind::kLatencySensitive)};
  WorkloadSample s;
  s.name = "w";
  s.has_runq_delay = true;
  s.has_psi = true;
  t.sample.workloads = {s};
  m.observe(t);
  std::set<std::string> families;
  const std::string text = m.render();
  const std::regex type_line(R"(# TYPE (\w+) )");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), type_line);
       it != std::sregex_iterator(); ++it) {
    families.insert((*it)[1]);
  }
  const auto dashboard =
      nlohmann::json::parse(::dwae::test::read_text(kDeploy + "/grafana/dwae-dashboard.json"));
  size_t queries = 0;
  const std::regex name(R"(dwae_[a-z0-9_]+)");
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr").get<std::string>();
      ++queries;
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name);
           it != std::sregex_iterator(); ++it) {
        std::string series = (*it)[0];
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
          const std::string sfx = suffix;
          if (families.count(series) == 0 && series.size() > sfx.size() &&
              series.compare(series.size() - sfx.size(), sfx.size(), sfx) == 0) {
            series.resize(series.size() - sfx.size());
          }
        }
        EXPECT_EQ(families.count(series), 1u) << panel.at("title") << ": " << series;
      }
    }
  }
  EXPECT_GE(queries, 10u);
}

}  // namespace
}  // namespace dwae::agent
