// The two forward-pass kernels (Eigen, and AVX2 where the CPU has it) agree, one vector at a
// time and in batches, for the default network size and odd sizes that exercise the padding.
#include "dwae/policy/mlp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "dwae/policy/mlp_avx2.h"

namespace dwae::policy {
namespace {

std::vector<DenseLayer> random_layers(const std::vector<int>& sizes, Activation hidden,
                                      std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0F, 0.3F);
  std::vector<DenseLayer> layers;
  for (size_t i = 1; i < sizes.size(); ++i) {
    DenseLayer l;
    l.weights.resize(sizes[i], sizes[i - 1]);
    for (Eigen::Index r = 0; r < l.weights.rows(); ++r) {
      for (Eigen::Index c = 0; c < l.weights.cols(); ++c) l.weights(r, c) = normal(rng);
    }
    l.bias.resize(sizes[i]);
    for (Eigen::Index r = 0; r < l.bias.size(); ++r) l.bias(r) = normal(rng);
    l.activation = i + 1 == sizes.size() ? Activation::kTanh : hidden;
    layers.push_back(std::move(l));
  }
  return layers;
}

TEST(Mlp, KernelsAgree) {
  std::mt19937 rng(20261126);
  std::uniform_real_distribution<float> u(-3.0F, 3.0F);
  const std::vector<std::vector<int>> shapes = {{32, 64, 64, 3}, {32, 7, 70, 1}, {32, 130, 2}};
  for (const auto& shape : shapes) {
    for (const Activation hidden : {Activation::kTanh, Activation::kRelu, Activation::kLinear}) {
      const auto layers = random_layers(shape, hidden, rng);
      const Mlp eigen(layers, /*use_avx2=*/false);
      const Mlp fast(layers);
      ASSERT_FALSE(eigen.uses_avx2());
      Eigen::MatrixXf batch(32, 37);
      for (Eigen::Index i = 0; i < batch.size(); ++i) batch(i) = u(rng);
      Eigen::MatrixXf out_eigen, out_fast;
      eigen.forward_batch(batch, out_eigen);
      fast.forward_batch(batch, out_fast);
      ASSERT_EQ(out_fast.rows(), shape.back());
      ASSERT_EQ(out_fast.cols(), 37);
      for (Eigen::Index c = 0; c < batch.cols(); ++c) {
        std::vector<float> y1(eigen.outputs()), y2(fast.outputs());
        eigen.forward(batch.col(c).data(), y1.data());
        fast.forward(batch.col(c).data(), y2.data());
        for (size_t k = 0; k < y1.size(); ++k) {
          const auto kk = static_cast<Eigen::Index>(k);
          EXPECT_NEAR(y1[k], y2[k], 2e-5) << shape[1] << " col " << c;
          EXPECT_NEAR(y1[k], out_eigen(kk, c), 2e-5);
          EXPECT_NEAR(y2[k], out_fast(kk, c), 2e-5);
        }
      }
    }
  }
}

// A NaN reaching an activation stays NaN on both kernels: the AVX2 tanh used to clamp it to
// +8 (tanh ~ +1, the largest action every tick) and its relu to 0, where Eigen gives NaN.
TEST(Mlp, NanStaysNanOnBothKernels) {
  std::mt19937 rng(7);
  for (const Activation hidden : {Activation::kTanh, Activation::kRelu, Activation::kLinear}) {
    const auto layers = random_layers({32, 9, 3}, hidden, rng);
    std::vector<float> x(32, 0.5F);
    x[5] = std::numeric_limits<float>::quiet_NaN();
    for (const bool avx2 : {false, true}) {
      const Mlp mlp(layers, avx2);
      std::vector<float> y(mlp.outputs());
      mlp.forward(x.data(), y.data());
      for (size_t k = 0; k < y.size(); ++k) {
        EXPECT_TRUE(std::isnan(y[k]))
            << "avx2 " << mlp.uses_avx2() << " output " << k << " is " << y[k];
      }
    }
  }
  if (!avx2::available()) GTEST_SKIP() << "no AVX2 here: the kernels below are not run";
  // The kernels themselves, one NaN among finite values in a block of 8.
  for (const bool tanh : {true, false}) {
    float v[8] = {-20, -1, 0, 1, 20, 0.0001F, 3, 0};
    v[7] = std::numeric_limits<float>::quiet_NaN();
    if (tanh) {
      avx2::tanh_inplace(v, 8);
    } else {
      avx2::relu_inplace(v, 8);
    }
    EXPECT_TRUE(std::isnan(v[7])) << (tanh ? "tanh" : "relu") << " gave " << v[7];
    EXPECT_NEAR(v[3], tanh ? std::tanh(1.0F) : 1.0F, 1e-6);
  }
}

}  // namespace
}  // namespace dwae::policy
