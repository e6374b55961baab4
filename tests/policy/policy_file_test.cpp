// The policy file format: a written model reads back unchanged, and a truncated, corrupted or
// foreign file is refused with an error that names the problem.
#include "dwae/policy/policy_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
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

// The tiny model's file with its header changed by `edit` (and a correct checksum).
template <typename Edit>
std::string with_header(Edit edit, const std::vector<float>& weights = tiny_policy().weights) {
  auto h = nlohmann::json::parse(policy_header_json(tiny_policy()));
  edit(h);
  return frame_policy_file(1, h.dump(), weights);
}

// Header numbers are float32 in the model: a double beyond float's range used to become inf
// after the finiteness check (a training range of +-1e300 turned the out-of-distribution guard
// off; clip and tolerance 1e300 were refused as "must be > 0" / ">= 0").
TEST(PolicyFile, HeaderNumbersBeyondFloat32AreRefused) {
  std::string e = error_of(with_header([](auto& h) { h["training_range"]["max"][0] = 1e300; }));
  EXPECT_NE(e.find("'training_range.max[0]' is 1e+300, beyond the float32 range"),
            std::string::npos)
      << e;
  e = error_of(with_header([](auto& h) { h["training_range"]["min"][3] = -1e39; }));
  EXPECT_NE(e.find("'training_range.min[3]' is -1e+39"), std::string::npos) << e;
  e = error_of(with_header([](auto& h) { h["normalisation"]["mean"][1] = 4e38; }));
  EXPECT_NE(e.find("'normalisation.mean[1]' is 4e+38"), std::string::npos) << e;
  e = error_of(with_header([](auto& h) { h["normalisation"]["clip"] = 1e300; }));
  EXPECT_NE(e.find("'normalisation.clip' is 1e+300, beyond the float32 range"), std::string::npos)
      << e;
  e = error_of(with_header([](auto& h) { h["training_range"]["tolerance"] = 1e300; }));
  EXPECT_NE(e.find("'training_range.tolerance' is 1e+300"), std::string::npos) << e;
  // The largest float still reads (the range is then refused by the overflow bound or not at
  // all: a training range up to 3e38 is finite).
  e = error_of(with_header([](auto& h) { h["training_range"]["max"][0] = 3e38; }));
  EXPECT_EQ(e, "(accepted)");
  // A model built in code with an infinite range is refused too: the guard would be off.
  PolicyModel m = tiny_policy();
  m.train_max[0] = std::numeric_limits<float>::infinity();
  ASSERT_FALSE(validate(m).ok());
  EXPECT_NE(validate(m).error().message.find("training range of 'cpu_use' must be finite"),
            std::string::npos);
  m = tiny_policy();
  m.clip = std::numeric_limits<float>::infinity();
  EXPECT_NE(validate(m).error().message.find("clip must be finite"), std::string::npos);
  m = tiny_policy();
  m.ood_tolerance = std::numeric_limits<float>::infinity();
  EXPECT_NE(validate(m).error().message.find("tolerance must be finite"), std::string::npos);
}

// Sizes were converted with get<uint32_t>() unchecked: 4294967298 loaded as 2.
TEST(PolicyFile, LayerSizesAreRangeCheckedBeforeNarrowing) {
  std::string e = error_of(with_header([](auto& h) { h["layers"][1] = 4294967298ULL; }));
  EXPECT_NE(e.find("layer 1 has size 4294967298 (1..4096)"), std::string::npos) << e;
  e = error_of(with_header([](auto& h) { h["layers"][0] = 4294967328ULL; }));  // 2^32 + 32
  EXPECT_NE(e.find("layer 0 has size 4294967328"), std::string::npos) << e;
  e = error_of(with_header([](auto& h) { h["layers"][2] = -2; }));
  EXPECT_NE(e.find("'layers' must hold sizes"), std::string::npos) << e;
  e = error_of(with_header([](auto& h) { h["layers"][2] = 2.0; }));
  EXPECT_NE(e.find("'layers' must hold sizes"), std::string::npos) << e;
  e = error_of(with_header([](auto& h) { h["layers"][1] = 0; }));
  EXPECT_NE(e.find("layer 1 has size 0"), std::string::npos) << e;
}

TEST(PolicyFile, LayerCountAndParameterCountAreBounded) {
  // 100,000 layers of one value: refused from the header, before any weight is looked at.
  std::string e = error_of(with_header([](auto& h) {
    h["layers"] = std::vector<uint32_t>(100'000, 1);
    h["layers"][0] = 32;
  }));
  EXPECT_NE(e.find("'layers' has 100000 layers, at most 16"), std::string::npos) << e;
  e = error_of(
      with_header([](auto& h) { h["activations"] = std::vector<std::string>(100'000, "tanh"); }));
  EXPECT_NE(e.find("'activations' has 100000 entries, at most 15"), std::string::npos) << e;

  PolicyModel m = tiny_policy();
  m.layer_sizes = std::vector<uint32_t>(17, 2);
  m.layer_sizes[0] = 32;
  m.activations.assign(16, Activation::kTanh);
  e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("17 layers, at most 16 are accepted"), std::string::npos) << e;
  // 16 layers are fine.
  m.layer_sizes.pop_back();
  m.activations.pop_back();
  m.weights.assign(32 * 2 + 2 + 14 * (2 * 2 + 2), 0.0F);
  EXPECT_TRUE(validate(m).ok()) << validate(m).error().message;

  // Wide layers: 32 -> 4096 -> 300 -> 2 needs 1,364,870 parameters; refused before the weight
  // count is compared.
  m = tiny_policy();
  m.layer_sizes = {32, 4096, 300, 2};
  m.activations = {Activation::kTanh, Activation::kTanh, Activation::kTanh};
  e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("the layer sizes need 1364870 parameters, at most 1048576 are accepted"),
            std::string::npos)
      << e;
  EXPECT_FALSE(encode_policy_file(m).ok());

  // A header over 1 MiB is refused by its length; the writer refuses to write one.
  m = tiny_policy();
  m.name.assign(kMaxPolicyHeaderBytes, 'n');
  e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("policy file header is "), std::string::npos) << e;
  EXPECT_NE(e.find("at most 1048576 are accepted"), std::string::npos) << e;
  ASSERT_FALSE(encode_policy_file(m).ok());
  EXPECT_NE(encode_policy_file(m).error().message.find("at most 1048576"), std::string::npos);
}

TEST(PolicyFile, EachResourceHasAtMostOneAction) {
  PolicyModel m = tiny_policy();
  m.actions[1].resource = ActionResource::kCpuWeight;
  const std::string e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("actions[1] drives cpu.weight again (actions[0] does)"), std::string::npos) << e;
  EXPECT_FALSE(encode_policy_file(m).ok());
}

// (x - mean) / std must stay finite: a subnormal std makes 1 / std infinite in float32.
TEST(PolicyFile, SubnormalStdIsRefused) {
  PolicyModel m = tiny_policy();
  m.std[7] = 1e-40F;
  const std::string e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("has std 1e-40, too small for float32"), std::string::npos) << e;
  m.std[7] = std::numeric_limits<float>::min();  // the smallest normal float is fine
  EXPECT_TRUE(validate(m).ok()) << validate(m).error().message;
}

// Finite weights whose products overflow float32 gave NaN outputs; such a network is refused.
TEST(PolicyFile, NetworksThatCanOverflowAreRefused) {
  PolicyModel m = tiny_policy();
  // Layer 1 (tanh, so its outputs stay in [-1, 1]) reads cpu_use with weight 2e37; with
  // clip 10 its value can reach 2e38.
  m.weights[0] = 2e37F;
  std::string e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("layer 1 value 0 can reach 2e+38"), std::string::npos) << e;
  EXPECT_NE(e.find("inference would overflow"), std::string::npos) << e;
  // Up to the bound the network loads: tanh caps the next layer's inputs at 1.
  m.weights[0] = 9e36F;
  EXPECT_TRUE(validate(m).ok()) << validate(m).error().message;
  // The bound follows the inputs: a huge clip overflows even moderate weights.
  m = tiny_policy();
  m.clip = 1e38F;
  e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("layer 1 value 1 can reach 2e+38"), std::string::npos) << e;
  // Alternating huge weights in a linear hidden layer (the pattern that gave NaN).
  m = tiny_policy();
  m.activations = {Activation::kLinear, Activation::kTanh};
  m.weights[0] = 1e20F;
  m.weights[64 + 2] = 1e20F;  // layer 2, output 0 reads hidden 0 with 1e20
  e = error_of(frame_policy_file(1, policy_header_json(m), m.weights));
  EXPECT_NE(e.find("layer 2 value 0 can reach"), std::string::npos) << e;
}

// An operator names the model file: whatever is at that path, the reader neither blocks nor
// reads without end, and says what is wrong.
TEST(PolicyFile, LoadRefusesWhatIsNotASmallRegularFile) {
  TempDir dir;
  // Over the limit: refused by its size, not read (a sparse file; its magic is right). Checked
  // first and with ASSERT: a reader that reads whole files would block on the FIFO below.
  const std::string big = dir.path() + "/big.policy";
  {
    std::ofstream out(big, std::ios::binary);
    out << kPolicyFileMagic;
  }
  std::filesystem::resize_file(big, kMaxPolicyFileBytes + 1);
  auto m = load_policy_file(big);
  ASSERT_FALSE(m.ok());
  ASSERT_NE(m.error().message.find("big.policy: too large (the limit is 8388608 bytes)"),
            std::string::npos)
      << m.error().message;
  // At the limit it is read, and refused for what it holds.
  std::filesystem::resize_file(big, kMaxPolicyFileBytes);
  m = load_policy_file(big);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("big.policy: policy file"), std::string::npos)
      << m.error().message;

  m = load_policy_file(dir.path());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("is a directory"), std::string::npos) << m.error().message;
  const std::string fifo = dir.path() + "/fifo.policy";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  m = load_policy_file(fifo);  // used to block in open(2) until a writer came
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("fifo.policy: not a regular file"), std::string::npos)
      << m.error().message;
  m = load_policy_file("/dev/zero");  // used to read until memory ran out
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("/dev/zero: not a regular file"), std::string::npos)
      << m.error().message;
}

// The shipped model stays well inside every limit.
TEST(PolicyFile, ShippedModelIsInsideTheLimits) {
  const std::string path = std::string(DWAE_SOURCE_DIR) + "/models/default.policy";
  auto m = load_policy_file(path);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_LE(std::filesystem::file_size(path) * 64, kMaxPolicyFileBytes);
  EXPECT_LE(m->weights.size() * 64, kMaxParameters);
}

}  // namespace
}  // namespace dwae::policy
