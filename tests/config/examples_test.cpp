// Every shipped example config must load without a single diagnostic.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dwae/config/loader.h"

namespace dwae::config {
namespace {

std::vector<std::string> example_files() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(DWAE_SOURCE_DIR) + "/examples")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  return files;
}

TEST(ConfigExamples, EveryExampleLoadsWithoutDiagnostics) {
  const auto files = example_files();
  ASSERT_GE(files.size(), 3u);
  for (const auto& file : files) {
    const auto result = load_config_file(file);
    std::string diagnostics;
    for (const auto& d : result.diagnostics) diagnostics += "\n  " + d.format();
    EXPECT_TRUE(result.ok()) << file << diagnostics;
    EXPECT_FALSE(result.config && result.config->workloads.empty()) << file;
  }
}

TEST(ConfigExamples, KubernetesExampleMatchesEachQosClass) {
  const auto result =
      load_config_file(std::string(DWAE_SOURCE_DIR) + "/examples/kubernetes-node.yaml");
  ASSERT_TRUE(result.ok());
  std::vector<std::string> qos;
  for (const auto& w : result.config->workloads) {
    EXPECT_EQ(w.match.kind, MatchRule::Kind::kKubernetes);
    qos.push_back(w.match.k8s_qos);
  }
  EXPECT_EQ(qos, (std::vector<std::string>{"guaranteed", "burstable", "besteffort"}));
}

// docs/config.md ends with a complete file using every key; it must stay valid.
TEST(ConfigExamples, CompleteFileInTheDocsLoads) {
  std::ifstream in(std::string(DWAE_SOURCE_DIR) + "/docs/config.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), {});
  const auto section = doc.find("## A complete file");
  ASSERT_NE(section, std::string::npos);
  const auto start = doc.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  const auto body = start + 8;
  const auto end = doc.find("```", body);
  ASSERT_NE(end, std::string::npos);
  const auto result = load_config_text(doc.substr(body, end - body), "docs/config.md");
  std::string diagnostics;
  for (const auto& d : result.diagnostics) diagnostics += "\n  " + d.format();
  ASSERT_TRUE(result.ok()) << diagnostics;
  EXPECT_EQ(result.config->workloads.size(), 1u);
}

}  // namespace
}  // namespace dwae::config
