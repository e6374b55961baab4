// A hand-built policy small enough to compute by hand: 32 -> 2 (tanh) -> 2 (tanh), driving
// cpu.weight (at most 20 % per tick) and io.weight (at most 10 %). Only cpu_use and runq_p99
// reach the network; cpu_use is normalised with mean 0.5 and std 0.5, the rest pass through.
// Beside it, a network whose outputs are NaN whatever its input.
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>

#include "dwae/policy/policy_file.h"

namespace dwae::policy::tiny {

inline PolicyModel tiny_policy() {
  PolicyModel m;
  m.name = "tiny-hand-built";
  m.layer_sizes = {32, 2, 2};
  m.activations = {Activation::kTanh, Activation::kTanh};
  m.mean.fill(0.0F);
  m.std.fill(1.0F);
  m.mean[0] = 0.5F;  // cpu_use
  m.std[0] = 0.5F;
  m.clip = 10;
  m.train_min.fill(0.0F);
  m.train_max.fill(1.0F);
  m.train_min[2] = -1.0F;  // the two trends span [-1, 1]
  m.train_min[5] = -1.0F;
  m.ood_tolerance = 0.05F;
  m.actions = {{ActionResource::kCpuWeight, 0.2}, {ActionResource::kIoWeight, 0.1}};
  // Layer 1, 2 x 32 row-major: h0 = tanh(x_cpu_use), h1 = tanh(2 x_runq_p99 - 1).
  std::vector<float> w(2 * 32 + 2, 0.0F);
  w[0 * 32 + 0] = 1.0F;
  w[1 * 32 + 3] = 2.0F;
  w[64] = 0.0F;
  w[65] = -1.0F;
  // Layer 2, 2 x 2: y0 = tanh(h0), y1 = tanh(0.5 h0 - h1 + 0.25).
  for (const float v : {1.0F, 0.0F, 0.5F, -1.0F, 0.0F, 0.25F}) w.push_back(v);
  m.weights = std::move(w);
  return m;
}

// The network's outputs for cpu_use and runq_p99 (other features do not matter), in double.
inline std::pair<double, double> tiny_policy_expected(double cpu_use, double runq_p99) {
  const double x0 = std::clamp((cpu_use - 0.5) / 0.5, -10.0, 10.0);
  const double h0 = std::tanh(x0);
  const double h1 = std::tanh(2 * runq_p99 - 1);
  return {std::tanh(h0), std::tanh(0.5 * h0 - h1 + 0.25)};
}

// 32 -> 2 (linear) -> 2 (linear) -> 2 (tanh) whose finite weights overflow float32 for every
// input: the hidden values are +3e38 and -3e38, doubled to +inf and -inf, and their sum is NaN
// on both kernels. validate() refuses such a network; this one is built in code to check what
// inference does if NaN comes out anyway.
inline PolicyModel overflowing_policy() {
  PolicyModel m = tiny_policy();
  m.layer_sizes = {32, 2, 2, 2};
  m.activations = {Activation::kLinear, Activation::kLinear, Activation::kTanh};
  m.weights.assign(32 * 2, 0.0F);
  for (const float v :
       {3e38F, -3e38F, 2.0F, 0.0F, 0.0F, 2.0F, 0.0F, 0.0F, 1.0F, 1.0F, 1.0F, 1.0F, 0.0F, 0.0F}) {
    m.weights.push_back(v);
  }
  return m;
}

}  // namespace dwae::policy::tiny
