// The policy file: a trained actor network with the feature normalisation, the training range
// of every feature (for the out-of-distribution guard) and the action mapping, in one versioned,
// checksummed binary. The trainer (LibTorch, a later issue) writes it; the agent reads it with
// no LibTorch. The layout is in docs/policies.md ("Policy file").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/features/features.h"
#include "dwae/policy/mlp.h"

namespace dwae::policy {

inline constexpr std::string_view kPolicyFileMagic = "DWAEPOL1";
inline constexpr uint32_t kPolicyFileVersion = 1;

// Limits on what the reader accepts. The agent runs under MemoryMax=256M and keeps a model in
// memory about three times (weights, network, AVX2 copy), twice during a reload; the shipped
// model is 32 -> 64 -> 64 -> 3 (6,467 parameters; the file is 28 KiB).
inline constexpr uint32_t kMaxLayerSize = 4096;  // values per layer
inline constexpr size_t kMaxLayers = 16;         // sizes in 'layers', input and output too
inline constexpr size_t kMaxParameters = size_t{1} << 20;         // weights and biases (4 MiB)
inline constexpr size_t kMaxPolicyHeaderBytes = size_t{1} << 20;  // the JSON header
inline constexpr size_t kMaxPolicyFileBytes = size_t{8} << 20;    // the whole file

// The resource one network output drives.
enum class ActionResource { kCpuWeight, kIoWeight, kMemoryLow };
const char* action_resource_name(ActionResource r);  // "cpu.weight", "io.weight", "memory.low"

struct ActionMapping {
  ActionResource resource = ActionResource::kCpuWeight;
  // Output a in [-1, 1] (tanh) moves the resource to applied x (1 + a x max_relative_change).
  double max_relative_change = 0.25;
};

using FeatureArray = std::array<float, features::kFeatureCount>;

struct PolicyModel {
  std::string name;                       // free text: the training run, for logs and explanations
  std::vector<uint32_t> layer_sizes;      // input (32), hidden..., output (= actions.size())
  std::vector<Activation> activations;    // one per layer after the input; the last is tanh
  FeatureArray mean{}, std{};             // input normalisation: (x - mean) / std ...
  float clip = 10;                        // ... clipped to [-clip, clip]
  FeatureArray train_min{}, train_max{};  // per-feature range seen in training
  float ood_tolerance = 0.05F;            // the range is widened by this much on each side
  std::vector<ActionMapping> actions;     // one per output
  // Per layer: weights row-major [out][in], then the bias [out]; float32.
  std::vector<float> weights;
};

// Checks a model's sizes, names and values; the error names the first problem.
Status validate(const PolicyModel& model);
// The network of a valid model.
Mlp build_mlp(const PolicyModel& model);

// The JSON header of a model (the writer's half of the format; tests tamper with it).
std::string policy_header_json(const PolicyModel& model);
// Frames a header and weights into file bytes: magic, version, lengths, data, CRC-32. Does not
// validate (tests write broken files with a correct checksum through it).
std::string frame_policy_file(uint32_t version, std::string_view header_json,
                              const std::vector<float>& weights);
// A valid model to file bytes / to a file (written to `path`.tmp, then renamed).
Result<std::string> encode_policy_file(const PolicyModel& model);
Status save_policy_file(const std::string& path, const PolicyModel& model);

// File bytes to a validated model; every refusal names the problem (truncated, magic,
// version, checksum, header field, sizes).
Result<PolicyModel> decode_policy_file(std::string_view bytes);
Result<PolicyModel> load_policy_file(const std::string& path);

// CRC-32 (IEEE 802.3, as zlib's crc32) of `data`.
uint32_t crc32(std::string_view data);

}  // namespace dwae::policy
