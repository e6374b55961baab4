// The policy file format: a written model reads back unchanged, and a truncated, corrupted or
// foreign file is refused with an error that names the problem.
#include "dwae/policy/policy_file.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "policy/tiny_policy.h"
#include "support/temp_dir.h"

namespace dwae::policy {
namespace {

using test::TempDir;
using tiny::tiny_policy;

std::string tiny_bytes() {
  return encode_policy_file(tiny_policy()).value();
}

std::string error_of(std::string_view bytes) {
  auto m = decode_policy_file(bytes);
  return m.ok() ? std::string("(accepted)") : m.error().message;
}

TEST(PolicyFile, RoundTripKeepsEveryField) {
  const PolicyModel in = tiny_policy();
  auto out = decode_policy_file(tiny_bytes());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->name, in.name);
  EXPECT_EQ(out->layer_sizes, in.layer_sizes);
  EXPECT_EQ(out->activations, in.activations);
  EXPECT_EQ(out->mean, in.mean);
  EXPECT_EQ(out->std, in.std);
  EXPECT_EQ(out->train_min, in.train_min);
  EXPECT_EQ(out->train_max, in.train_max);
  EXPECT_EQ(out->weights, in.weights);
  ASSERT_EQ(out->actions.size(), 2u);
  EXPECT_EQ(out->actions[1].resource, ActionResource::kIoWeight);
  EXPECT_DOUBLE_EQ(out->actions[1].max_relative_change, 0.1);
}

TEST(PolicyFile, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926U);  // the CRC-32/IEEE check value
}

TEST(PolicyFile, FileWrittenByAnotherToolReads) {
  // tests/policy/data/tiny.policy is written by make_tiny_policy.py, not by our writer: the
  // format is implementable from docs/policies.md alone (as the trainer will).
  auto m = load_policy_file(std::string(DWAE_SOURCE_DIR) + "/tests/policy/data/tiny.policy");
  ASSERT_TRUE(m.ok()) << m.error().message;
  const PolicyModel want = tiny_policy();
  EXPECT_EQ(m->weights, want.weights);
  EXPECT_EQ(m->mean, want.mean);
  EXPECT_EQ(m->std, want.std);
  EXPECT_EQ(m->train_min, want.train_min);
  EXPECT_EQ(m->layer_sizes, want.layer_sizes);
}

TEST(PolicyFile, SaveAndLoadThroughAFile) {
  TempDir dir;
  const std::string path = dir.path() + "/p.policy";
  ASSERT_TRUE(save_policy_file(path, tiny_policy()).ok());
  auto m = load_policy_file(path);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->weights, tiny_policy().weights);
  auto missing = load_policy_file(dir.path() + "/nope.policy");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.policy"), std::string::npos);
}

TEST(PolicyFile, WrongMagicIsRefused) {
  std::string b = tiny_bytes();
  b[7] = '2';
  EXPECT_NE(error_of(b).find("not a DWAE policy file"), std::string::npos) << error_of(b);
  EXPECT_NE(error_of("{\"layers\": []}").find("not a DWAE policy file"), std::string::npos);
  EXPECT_NE(error_of("").find("not a DWAE policy file"), std::string::npos);
}

TEST(PolicyFile, OtherVersionIsRefused) {
  const PolicyModel m = tiny_policy();
  const std::string b = frame_policy_file(2, policy_header_json(m), m.weights);
  EXPECT_NE(error_of(b).find("version 2 is not supported"), std::string::npos) << error_of(b);
}

TEST(PolicyFile, EveryTruncationIsRefused) {
  const std::string b = tiny_bytes();
  for (size_t len = 0; len < b.size(); ++len) {
    const std::string e = error_of(std::string_view(b).substr(0, len));
    if (len < 8) {
      EXPECT_NE(e.find("not a DWAE policy file"), std::string::npos) << len << ": " << e;
    } else {
      EXPECT_NE(e.find("truncated"), std::string::npos) << len << ": " << e;
    }
  }
  EXPECT_NE(error_of(b + "x").find("trailing bytes"), std::string::npos);
}

TEST(PolicyFile, EverySingleBitFlipIsRefused) {
  const std::string b = tiny_bytes();
  size_t by_checksum = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string c = b;
      c[i] = static_cast<char>(c[i] ^ (1 << bit));
      const std::string e = error_of(c);
      ASSERT_NE(e, "(accepted)") << "byte " << i << " bit " << bit;
      if (e.find("corrupted: CRC-32") != std::string::npos) ++by_checksum;
    }
  }
  // Outside the magic, version and length fields the checksum is what catches it.
  EXPECT_EQ(by_checksum, (b.size() - 8 - 4 - 4 - 4) * 8);
}

TEST(PolicyFile, WrongSizesAreRefusedEvenWithAGoodChecksum) {
  const PolicyModel m = tiny_policy();
  auto refused = [&](const PolicyModel& bad, const std::string& words) {
    const std::string e = error_of(frame_policy_file(1, policy_header_json(bad), bad.weights));
    EXPECT_NE(e.find(words), std::string::npos) << e;
  };
  PolicyModel bad = m;
  bad.weights.pop_back();
  refused(bad, "71 weights, the layer sizes need 72");
  bad = m;
  bad.layer_sizes = {31, 2, 2};
  refused(bad, "input layer has 31 values");
  bad = m;
  bad.actions.pop_back();
  refused(bad, "1 actions for 2 network outputs");
  bad = m;
  bad.activations = {Activation::kTanh, Activation::kRelu};
  refused(bad, "output layer's activation must be tanh");
  bad = m;
  bad.activations = {Activation::kTanh};
  refused(bad, "1 activations for 2 layers");
  bad = m;
  bad.std[4] = 0;
  refused(bad, "normalisation of 'runq_p99_p95'");
  bad = m;
  bad.weights[3] = std::numeric_limits<float>::quiet_NaN();
  refused(bad, "weight 3 is not finite");
  bad = m;
  bad.actions[0].max_relative_change = 3;
  refused(bad, "actions[0].max_relative_change");

  // Header fields: a feature layout from another build, a missing array, short arrays.
  std::string h = policy_header_json(m);
  auto refused_header = [&](std::string header, const std::string& words) {
    const std::string e = error_of(frame_policy_file(1, header, m.weights));
    EXPECT_NE(e.find(words), std::string::npos) << e;
  };
  std::string swapped = h;
  swapped.replace(swapped.find("\"cpu_use\""), 9, "\"cpu_sue\"");
  refused_header(swapped, "feature 0 is 'cpu_sue'");
  std::string no_range = h;
  no_range.replace(no_range.find("\"training_range\""), 16, "\"training_rangX\"");
  refused_header(no_range, "missing 'training_range.min'");
  refused_header("[1, 2]", "not a JSON object");
  refused_header("{\"layers\": ", "not a JSON object");
  EXPECT_FALSE(encode_policy_file(bad).ok());  // the writer refuses what the reader would
}

}  // namespace
}  // namespace dwae::policy
