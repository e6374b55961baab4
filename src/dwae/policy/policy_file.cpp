// Reading and writing policy files. Framing is checked before the checksum (so a truncated
// file says "truncated"), the checksum before the header is parsed, and the header before
// any weight is used.
#include "dwae/policy/policy_file.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "dwae/common/file.h"

namespace dwae::policy {

namespace {

using nlohmann::json;

constexpr size_t kFixedBytes = 8 + 4 + 4 + 4 + 4;  // magic, version, header len, count, crc

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}

uint32_t get_u32(std::string_view bytes, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]))
         << (8 * i);
  }
  return v;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kTanh:
      return "tanh";
    case Activation::kRelu:
      return "relu";
    case Activation::kLinear:
      return "linear";
  }
  return "linear";
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// "1e+300": a refused value as the message shows it.
std::string number_text(double v, int digits = 6) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// A header number stored as float32: finite, and finite after narrowing (a double beyond
// float's range would become infinite, or be undefined behaviour to convert).
Result<float> to_float(const json& v, const std::string& where) {
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    return Error{"policy file header: '" + where + "' is not a finite number"};
  }
  const double d = v.get<double>();
  if (std::abs(d) > static_cast<double>(std::numeric_limits<float>::max())) {
    return Error{"policy file header: '" + where + "' is " + number_text(d) +
                 ", beyond the float32 range (+-3.40282e+38)"};
  }
  return static_cast<float>(d);
}

// Reads an array of exactly kFeatureCount finite float32 numbers at header[group][key].
Status read_features(const json& header, const char* group, const char* key, FeatureArray& out) {
  const std::string where = std::string(group) + "." + key;
  if (!header.contains(group) || !header[group].is_object() || !header[group].contains(key)) {
    return Error{"policy file header: missing '" + where + "'"};
  }
  const json& a = header[group][key];
  if (!a.is_array() || a.size() != features::kFeatureCount) {
    return Error{"policy file header: '" + where + "' must be an array of " +
                 std::to_string(features::kFeatureCount) + " numbers, has " +
                 std::to_string(a.is_array() ? a.size() : 0)};
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const auto v = to_float(a[i], where + "[" + std::to_string(i) + "]");
    if (!v) return v.error();
    out[i] = *v;
  }
  return {};
}

Result<double> read_number(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) {
    return Error{"policy file header: missing number '" + where + "'"};
  }
  const double v = obj[key].get<double>();
  if (!std::isfinite(v)) return Error{"policy file header: '" + where + "' is not finite"};
  return v;
}

Result<float> read_float(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) {
    return Error{"policy file header: missing number '" + where + "'"};
  }
  return to_float(obj[key], where);
}

Result<PolicyModel> parse_header(std::string_view text, std::vector<float> weights) {
  const json h = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (h.is_discarded() || !h.is_object()) {
    return Error{"policy file header: not a JSON object"};
  }
  PolicyModel m;
  m.weights = std::move(weights);
  if (h.contains("name") && h["name"].is_string()) m.name = h["name"].get<std::string>();

  if (!h.contains("input") || !h["input"].is_object() || !h["input"].contains("features") ||
      !h["input"]["features"].is_array()) {
    return Error{"policy file header: missing 'input.features' (the feature names in order)"};
  }
  const json& names = h["input"]["features"];
  if (names.size() != features::kFeatureCount) {
    return Error{"policy file header: 'input.features' names " + std::to_string(names.size()) +
                 " features, this agent computes " + std::to_string(features::kFeatureCount)};
  }
  for (size_t i = 0; i < features::kFeatureCount; ++i) {
    const char* ours = features::feature_name(static_cast<features::Feature>(i));
    if (!names[i].is_string() || names[i].get<std::string>() != ours) {
      return Error{"policy file header: feature " + std::to_string(i) + " is '" +
                   (names[i].is_string() ? names[i].get<std::string>() : std::string("?")) +
                   "', this agent's is '" + ours + "' (trained on another feature layout)"};
    }
  }

  if (!h.contains("layers") || !h["layers"].is_array()) {
    return Error{"policy file header: missing 'layers' (layer sizes)"};
  }
  const json& layers = h["layers"];
  if (layers.size() > kMaxLayers) {
    return Error{"policy file header: 'layers' has " + std::to_string(layers.size()) +
                 " layers, at most " + std::to_string(kMaxLayers) + " are accepted"};
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    // Range-checked before narrowing: 4294967360 must not load as 64.
    if (!layers[i].is_number_unsigned()) {
      return Error{"policy file header: 'layers' must hold sizes (whole numbers 1.." +
                   std::to_string(kMaxLayerSize) + ")"};
    }
    const auto size = layers[i].get<uint64_t>();
    if (size == 0 || size > kMaxLayerSize) {
      return Error{"policy file: layer " + std::to_string(i) + " has size " + std::to_string(size) +
                   " (1.." + std::to_string(kMaxLayerSize) + ")"};
    }
    m.layer_sizes.push_back(static_cast<uint32_t>(size));
  }
  if (!h.contains("activations") || !h["activations"].is_array()) {
    return Error{"policy file header: missing 'activations'"};
  }
  if (h["activations"].size() >= kMaxLayers) {
    return Error{"policy file header: 'activations' has " +
                 std::to_string(h["activations"].size()) + " entries, at most " +
                 std::to_string(kMaxLayers - 1) + " are accepted"};
  }
  for (const auto& a : h["activations"]) {
    const std::string s = a.is_string() ? a.get<std::string>() : "";
    if (s == "tanh") {
      m.activations.push_back(Activation::kTanh);
    } else if (s == "relu") {
      m.activations.push_back(Activation::kRelu);
    } else if (s == "linear") {
      m.activations.push_back(Activation::kLinear);
    } else {
      return Error{"policy file header: unknown activation '" + s + "' (tanh, relu or linear)"};
    }
  }

  if (auto s = read_features(h, "normalisation", "mean", m.mean); !s) return s.error();
  if (auto s = read_features(h, "normalisation", "std", m.std); !s) return s.error();
  const auto clip = read_float(h["normalisation"], "clip", "normalisation.clip");
  if (!clip) return clip.error();
  m.clip = *clip;
  if (auto s = read_features(h, "training_range", "min", m.train_min); !s) return s.error();
  if (auto s = read_features(h, "training_range", "max", m.train_max); !s) return s.error();
  const auto tol = read_float(h["training_range"], "tolerance", "training_range.tolerance");
  if (!tol) return tol.error();
  m.ood_tolerance = *tol;

  if (!h.contains("actions") || !h["actions"].is_array()) {
    return Error{"policy file header: missing 'actions'"};
  }
  for (size_t i = 0; i < h["actions"].size(); ++i) {
    const json& a = h["actions"][i];
    const std::string where = "actions[" + std::to_string(i) + "]";
    const std::string r = a.is_object() && a.contains("resource") && a["resource"].is_string()
                              ? a["resource"].get<std::string>()
                              : "";
    ActionMapping map;
    if (r == "cpu.weight") {
      map.resource = ActionResource::kCpuWeight;
    } else if (r == "io.weight") {
      map.resource = ActionResource::kIoWeight;
    } else if (r == "memory.low") {
      map.resource = ActionResource::kMemoryLow;
    } else {
      std::string message = "policy file header: " + where;
      message += ".resource '" + r + "' is not cpu.weight, io.weight or memory.low";
      return Error{message};
    }
    const auto max = read_number(a, "max_relative_change", where + ".max_relative_change");
    if (!max) return max.error();
    map.max_relative_change = *max;
    m.actions.push_back(map);
  }
  if (auto s = validate(m); !s) return s.error();
  return m;
}

// Finite weights can still overflow float32 in inference (1e20 x 1e20), and inf - inf is NaN,
// which would reach the actions. Bounds every value of every layer for any input within
// [-clip, clip] (|tanh| <= 1, relu and linear pass the bound on), in double, and refuses a
// network whose bound passes kMaxActivation: below it no sum can overflow, whatever the order
// of the additions (rounding moves a sum of 4096 terms by far less than the margin to FLT_MAX).
// Called by validate() once sizes and weights are known to be consistent and finite.
Status check_no_overflow(const PolicyModel& m) {
  constexpr double kMaxActivation = 1e38;
  std::vector<double> in(m.layer_sizes.front(), static_cast<double>(m.clip));
  std::vector<double> out;
  size_t at = 0;
  for (size_t l = 1; l < m.layer_sizes.size(); ++l) {
    const size_t n_in = m.layer_sizes[l - 1];
    const size_t n_out = m.layer_sizes[l];
    const float* w = m.weights.data() + at;
    const float* b = w + n_in * n_out;
    out.assign(n_out, 0.0);
    for (size_t r = 0; r < n_out; ++r) {
      double bound = std::abs(static_cast<double>(b[r]));
      for (size_t c = 0; c < n_in; ++c) {
        bound += std::abs(static_cast<double>(w[r * n_in + c])) * in[c];
      }
      if (!(bound <= kMaxActivation)) {
        return Error{"policy file: layer " + std::to_string(l) + " value " + std::to_string(r) +
                     " can reach " + number_text(bound) + " for inputs within +-clip (" +
                     number_text(static_cast<double>(m.clip)) +
                     "), beyond float32 (at most 1e+38): inference would overflow to NaN"};
      }
      out[r] = m.activations[l - 1] == Activation::kTanh ? std::min(bound, 1.0) : bound;
    }
    in.swap(out);
    at += n_in * n_out + n_out;
  }
  return {};
}

}  // namespace

const char* action_resource_name(ActionResource r) {
  switch (r) {
    case ActionResource::kCpuWeight:
      return "cpu.weight";
    case ActionResource::kIoWeight:
      return "io.weight";
    case ActionResource::kMemoryLow:
      return "memory.low";
  }
  return "cpu.weight";
}

uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFU;
  for (const char ch : data) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

Status validate(const PolicyModel& m) {
  const auto& sizes = m.layer_sizes;
  if (sizes.size() < 2) return Error{"policy file: needs at least an input and an output layer"};
  if (sizes.size() > kMaxLayers) {
    return Error{"policy file: " + std::to_string(sizes.size()) + " layers, at most " +
                 std::to_string(kMaxLayers) + " are accepted"};
  }
  if (sizes.front() != features::kFeatureCount) {
    return Error{"policy file: input layer has " + std::to_string(sizes.front()) +
                 " values, the feature vector has " + std::to_string(features::kFeatureCount)};
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0 || sizes[i] > kMaxLayerSize) {
      return Error{"policy file: layer " + std::to_string(i) + " has size " +
                   std::to_string(sizes[i]) + " (1.." + std::to_string(kMaxLayerSize) + ")"};
    }
  }
  if (m.activations.size() != sizes.size() - 1) {
    return Error{"policy file: " + std::to_string(m.activations.size()) + " activations for " +
                 std::to_string(sizes.size() - 1) + " layers"};
  }
  if (m.activations.back() != Activation::kTanh) {
    return Error{"policy file: the output layer's activation must be tanh (actions in [-1, 1])"};
  }
  if (m.actions.size() != sizes.back()) {
    return Error{"policy file: " + std::to_string(m.actions.size()) + " actions for " +
                 std::to_string(sizes.back()) + " network outputs"};
  }
  for (size_t i = 0; i < m.actions.size(); ++i) {
    const double c = m.actions[i].max_relative_change;
    if (!(c > 0 && c <= 1)) {
      return Error{"policy file: actions[" + std::to_string(i) +
                   "].max_relative_change must be in (0, 1]"};
    }
    for (size_t k = 0; k < i; ++k) {
      // Each output would overwrite the one before: only the last would act.
      if (m.actions[k].resource == m.actions[i].resource) {
        return Error{"policy file: actions[" + std::to_string(i) + "] drives " +
                     action_resource_name(m.actions[i].resource) + " again (actions[" +
                     std::to_string(k) + "] does); each resource may have one action"};
      }
    }
  }
  size_t expected = 0;
  for (size_t i = 1; i < sizes.size(); ++i) {
    expected += static_cast<size_t>(sizes[i]) * sizes[i - 1] + sizes[i];
  }
  if (expected > kMaxParameters) {
    return Error{"policy file: the layer sizes need " + std::to_string(expected) +
                 " parameters, at most " + std::to_string(kMaxParameters) + " are accepted"};
  }
  if (m.weights.size() != expected) {
    return Error{"policy file: " + std::to_string(m.weights.size()) +
                 " weights, the layer sizes need " + std::to_string(expected)};
  }
  for (size_t i = 0; i < m.weights.size(); ++i) {
    if (!std::isfinite(m.weights[i])) {
      return Error{"policy file: weight " + std::to_string(i) + " is not finite"};
    }
  }
  for (size_t i = 0; i < features::kFeatureCount; ++i) {
    const std::string f = features::feature_name(static_cast<features::Feature>(i));
    if (!(m.std[i] > 0) || !std::isfinite(m.std[i]) || !std::isfinite(m.mean[i])) {
      return Error{"policy file: normalisation of '" + f + "' needs a finite mean and std > 0"};
    }
    // A subnormal std makes 1 / std infinite (or nearly): refused with the normalisation that
    // would divide by it.
    if (m.std[i] < std::numeric_limits<float>::min()) {
      return Error{"policy file: normalisation of '" + f + "' has std " +
                   number_text(static_cast<double>(m.std[i]), 3) +
                   ", too small for float32 (at least 1.17549e-38)"};
    }
    if (!std::isfinite(m.train_min[i]) || !std::isfinite(m.train_max[i])) {
      // An infinite bound would let every value through the out-of-distribution guard.
      return Error{"policy file: training range of '" + f + "' must be finite"};
    }
    if (!(m.train_min[i] <= m.train_max[i])) {
      return Error{"policy file: training range of '" + f + "' has min > max"};
    }
  }
  if (!(m.clip > 0)) return Error{"policy file: clip must be > 0"};
  if (!std::isfinite(m.clip)) return Error{"policy file: clip must be finite"};
  if (!(m.ood_tolerance >= 0)) return Error{"policy file: training_range.tolerance must be >= 0"};
  if (!std::isfinite(m.ood_tolerance)) {
    return Error{"policy file: training_range.tolerance must be finite"};
  }
  return check_no_overflow(m);
}

Mlp build_mlp(const PolicyModel& m) {
  std::vector<DenseLayer> layers;
  size_t at = 0;
  for (size_t i = 1; i < m.layer_sizes.size(); ++i) {
    const auto in = static_cast<Eigen::Index>(m.layer_sizes[i - 1]);
    const auto out = static_cast<Eigen::Index>(m.layer_sizes[i]);
    DenseLayer l;
    l.weights =
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            m.weights.data() + at, out, in);
    at += static_cast<size_t>(out * in);
    l.bias = Eigen::Map<const Eigen::VectorXf>(m.weights.data() + at, out);
    at += static_cast<size_t>(out);
    l.activation = m.activations[i - 1];
    layers.push_back(std::move(l));
  }
  return Mlp(std::move(layers));
}

std::string policy_header_json(const PolicyModel& m) {
  json h;
  h["format"] = "dwae-policy";
  h["name"] = m.name;
  json names = json::array();
  for (size_t i = 0; i < features::kFeatureCount; ++i) {
    names.push_back(features::feature_name(static_cast<features::Feature>(i)));
  }
  h["input"]["features"] = names;
  h["layers"] = m.layer_sizes;
  json acts = json::array();
  for (const auto a : m.activations) acts.push_back(activation_name(a));
  h["activations"] = acts;
  h["normalisation"]["mean"] = m.mean;
  h["normalisation"]["std"] = m.std;
  h["normalisation"]["clip"] = m.clip;
  h["training_range"]["min"] = m.train_min;
  h["training_range"]["max"] = m.train_max;
  h["training_range"]["tolerance"] = m.ood_tolerance;
  json actions = json::array();
  for (const auto& a : m.actions) {
    actions.push_back({{"resource", action_resource_name(a.resource)},
                       {"max_relative_change", a.max_relative_change}});
  }
  h["actions"] = actions;
  return h.dump();
}

std::string frame_policy_file(uint32_t version, std::string_view header_json,
                              const std::vector<float>& weights) {
  std::string out(kPolicyFileMagic);
  put_u32(out, version);
  put_u32(out, static_cast<uint32_t>(header_json.size()));
  out.append(header_json);
  put_u32(out, static_cast<uint32_t>(weights.size()));
  for (const float w : weights) put_u32(out, std::bit_cast<uint32_t>(w));
  put_u32(out, crc32(out));
  return out;
}

Result<std::string> encode_policy_file(const PolicyModel& model) {
  if (auto s = validate(model); !s) return s.error();
  const std::string header = policy_header_json(model);
  if (header.size() > kMaxPolicyHeaderBytes) {
    // The writer refuses what the reader would (a very long name).
    return Error{"policy file: the header is " + std::to_string(header.size()) +
                 " bytes of JSON, at most " + std::to_string(kMaxPolicyHeaderBytes) +
                 " are accepted"};
  }
  return frame_policy_file(kPolicyFileVersion, header, model.weights);
}

Status save_policy_file(const std::string& path, const PolicyModel& model) {
  auto bytes = encode_policy_file(model);
  if (!bytes) return bytes.error();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    out.close();
    if (!out) return Error{"cannot write policy file " + tmp};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error::from_errno("rename " + tmp + " to " + path, errno);
  }
  return {};
}

Result<PolicyModel> decode_policy_file(std::string_view bytes) {
  if (bytes.size() < kPolicyFileMagic.size() ||
      bytes.substr(0, kPolicyFileMagic.size()) != kPolicyFileMagic) {
    return Error{"not a DWAE policy file: the first 8 bytes are not \"DWAEPOL1\""};
  }
  if (bytes.size() < kFixedBytes) {
    return Error{"policy file truncated: " + std::to_string(bytes.size()) +
                 " bytes, the fixed fields alone take " + std::to_string(kFixedBytes)};
  }
  const uint32_t version = get_u32(bytes, 8);
  if (version != kPolicyFileVersion) {
    return Error{"policy file version " + std::to_string(version) +
                 " is not supported (this agent reads version " +
                 std::to_string(kPolicyFileVersion) + ")"};
  }
  const uint64_t header_len = get_u32(bytes, 12);
  if (header_len > kMaxPolicyHeaderBytes) {
    return Error{"policy file header is " + std::to_string(header_len) + " bytes, at most " +
                 std::to_string(kMaxPolicyHeaderBytes) + " are accepted"};
  }
  if (16 + header_len + 8 > bytes.size()) {
    return Error{"policy file truncated: the header says " + std::to_string(header_len) +
                 " bytes of JSON, the file has " + std::to_string(bytes.size()) + " bytes in all"};
  }
  const uint64_t count = get_u32(bytes, 16 + header_len);
  const uint64_t expected = 16 + header_len + 4 + 4 * count + 4;
  if (expected != bytes.size()) {
    return Error{std::string(expected > bytes.size() ? "policy file truncated"
                                                     : "policy file has trailing bytes") +
                 ": header and " + std::to_string(count) + " weights make " +
                 std::to_string(expected) + " bytes, the file has " + std::to_string(bytes.size())};
  }
  const uint32_t stored = get_u32(bytes, bytes.size() - 4);
  const uint32_t computed = crc32(bytes.substr(0, bytes.size() - 4));
  if (stored != computed) {
    return Error{"policy file corrupted: CRC-32 " + hex32(computed) + " does not match the " +
                 "stored " + hex32(stored)};
  }
  std::vector<float> weights(count);
  const size_t base = 16 + header_len + 4;
  for (size_t i = 0; i < count; ++i)
    weights[i] = std::bit_cast<float>(get_u32(bytes, base + 4 * i));
  try {
    return parse_header(bytes.substr(16, header_len), std::move(weights));
  } catch (const nlohmann::json::exception& e) {
    // Type checks above should make this unreachable; a header is still refused, not thrown.
    return Error{std::string("policy file header: ") + e.what()};
  }
}

Result<PolicyModel> load_policy_file(const std::string& path) {
  // Not read_file: a FIFO would block (and with it a reload in the control loop), /dev/zero
  // would never end, and a huge file would be read whole before its magic is looked at.
  auto bytes = read_regular_file(path, kMaxPolicyFileBytes);
  if (!bytes) return Error{"cannot read policy file: " + bytes.error().message};
  auto model = decode_policy_file(*bytes);
  if (!model) return Error{path + ": " + model.error().message};
  return model;
}

}  // namespace dwae::policy
