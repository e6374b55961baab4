// The actor network of the learned policy: a small multi-layer perceptron, evaluated with AVX2
// kernels where the CPU has them and Eigen otherwise (no LibTorch in the agent). Weights are
// row-major [out][in] per layer, float32.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <vector>

namespace dwae::policy {

enum class Activation { kTanh, kRelu, kLinear };

struct DenseLayer {
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> weights;  // [out][in]
  Eigen::VectorXf bias;                                                           // [out]
  Activation activation = Activation::kTanh;
};

class Mlp {
 public:
  Mlp() = default;
  // `use_avx2`: use the AVX2 kernels when the CPU has them (false: always Eigen, for tests).
  explicit Mlp(std::vector<DenseLayer> layers, bool use_avx2 = true);
  bool uses_avx2() const { return use_avx2_; }
  size_t inputs() const {
    return layers_.empty() ? 0 : static_cast<size_t>(layers_.front().weights.cols());
  }
  size_t outputs() const {
    return layers_.empty() ? 0 : static_cast<size_t>(layers_.back().weights.rows());
  }
  const std::vector<DenseLayer>& layers() const { return layers_; }

  // One input vector (inputs() values) to outputs() values.
  void forward(const float* input, float* output) const;
  // A batch: columns are samples ([inputs x n] to [outputs x n]); one matrix product per layer.
  void forward_batch(const Eigen::MatrixXf& input, Eigen::MatrixXf& output) const;

 private:
  // The same layers transposed and padded to 8 outputs for the AVX2 kernels (mlp_avx2.h),
  // used when the CPU has AVX2 and FMA; Eigen (baseline x86-64) otherwise.
  struct PackedLayer {
    std::vector<float> wt, bias;  // wt[c * out_pad + r]
    size_t in = 0, out = 0, out_pad = 0;
    Activation activation = Activation::kTanh;
  };
  bool forward_avx2(const float* input, float* output) const;

  std::vector<DenseLayer> layers_;
  std::vector<PackedLayer> packed_;
  bool use_avx2_ = false;
  mutable std::vector<float> avx_a_, avx_b_;
  static constexpr Eigen::Index kBlockColumns = 64;
  // Scratch (ping-pong buffers, sized on first use): forward() and forward_batch() are not
  // reentrant; a policy runs them from one thread.
  mutable Eigen::VectorXf a_, b_;
  mutable Eigen::MatrixXf block_a_, block_b_;
};

}  // namespace dwae::policy
