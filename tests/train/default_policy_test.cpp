// The shipped models/default.policy has the trainer's default network, and docs/policies.md
// gives its size as the file has it.
#include <gtest/gtest.h>

#include <cstdio>

#include "dwae/policy/policy_file.h"
#include "dwae/train/ppo.h"
#include "support/temp_dir.h"
#include "train_support.h"

namespace dwae::train {
namespace {

std::string with_thousands(size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

TEST(DefaultPolicy, TheShippedFileHasTheDefaultNetworkAndTheSizeTheDocsGive) {
  const auto model =
      policy::load_policy_file(std::string(DWAE_SOURCE_DIR) + "/models/default.policy");
  ASSERT_TRUE(model.ok()) << model.error().message;
  const PpoConfig defaults;
  std::vector<uint32_t> layers = {static_cast<uint32_t>(kFeatures)};
  layers.insert(layers.end(), defaults.hidden.begin(), defaults.hidden.end());
  layers.push_back(3);
  EXPECT_EQ(model->layer_sizes, layers);
  size_t parameters = 0;
  for (size_t i = 1; i < layers.size(); ++i) parameters += (layers[i - 1] + 1) * layers[i];
  EXPECT_EQ(model->weights.size(), parameters);

  char kib[32];
  std::snprintf(kib, sizeof kib, "%.1f KiB", static_cast<double>(parameters) * 4 / 1024);
  const std::string figure = with_thousands(parameters) + " parameters, " + kib + " of float32";
  const std::string docs =
      dwae::test::read_text(std::string(DWAE_SOURCE_DIR) + "/docs/policies.md");
  EXPECT_NE(docs.find(figure), std::string::npos) << "docs/policies.md should say: " << figure;
}

}  // namespace
}  // namespace dwae::train
