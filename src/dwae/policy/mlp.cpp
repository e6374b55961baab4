// Forward pass: h = act(W h + b) per layer; Eigen vectorises the products and tanh.
#include "dwae/policy/mlp.h"

#include <algorithm>

#include "dwae/policy/mlp_avx2.h"

namespace dwae::policy {

namespace {

template <typename Derived>
void activate(Eigen::MatrixBase<Derived>& x, Activation a) {
  switch (a) {
    case Activation::kTanh:
      x = x.array().tanh().matrix();
      break;
    case Activation::kRelu:
      x = x.cwiseMax(0.0F);
      break;
    case Activation::kLinear:
      break;
  }
}

}  // namespace

Mlp::Mlp(std::vector<DenseLayer> layers, bool use_avx2)
    : layers_(std::move(layers)), use_avx2_(use_avx2 && avx2::available()) {
  size_t widest = 0;
  for (const DenseLayer& l : layers_) {
    PackedLayer p;
    p.in = static_cast<size_t>(l.weights.cols());
    p.out = static_cast<size_t>(l.weights.rows());
    p.out_pad = (p.out + 7) / 8 * 8;
    p.activation = l.activation;
    p.wt.assign(p.in * p.out_pad, 0.0F);
    p.bias.assign(p.out_pad, 0.0F);
    for (size_t r = 0; r < p.out; ++r) {
      p.bias[r] = l.bias(static_cast<Eigen::Index>(r));
      for (size_t c = 0; c < p.in; ++c) {
        p.wt[c * p.out_pad + r] =
            l.weights(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
      }
    }
    widest = std::max(widest, p.out_pad);
    packed_.push_back(std::move(p));
  }
  avx_a_.assign(widest, 0.0F);
  avx_b_.assign(widest, 0.0F);
}

bool Mlp::forward_avx2(const float* input, float* output) const {
  if (!use_avx2_) return false;
  const float* in = input;
  float* out = avx_a_.data();
  for (const PackedLayer& l : packed_) {
    avx2::dense(l.wt.data(), l.bias.data(), l.in, l.out_pad, in, out);
    if (l.activation == Activation::kTanh) avx2::tanh_inplace(out, l.out_pad);
    if (l.activation == Activation::kRelu) avx2::relu_inplace(out, l.out_pad);
    in = out;
    out = out == avx_a_.data() ? avx_b_.data() : avx_a_.data();
  }
  std::copy(in, in + packed_.back().out, output);
  return true;
}

void Mlp::forward(const float* input, float* output) const {
  if (layers_.empty()) return;
  if (forward_avx2(input, output)) return;
  const Eigen::Map<const Eigen::VectorXf> x(input, static_cast<Eigen::Index>(inputs()));
  const Eigen::VectorXf* in = nullptr;
  Eigen::VectorXf* out = &a_;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    out->resize(l.weights.rows());
    if (i == 0) {
      out->noalias() = l.weights * x;
    } else {
      out->noalias() = l.weights * *in;
    }
    *out += l.bias;
    activate(*out, l.activation);
    in = out;
    out = out == &a_ ? &b_ : &a_;
  }
  Eigen::Map<Eigen::VectorXf>(output, static_cast<Eigen::Index>(outputs())) = *in;
}

void Mlp::forward_batch(const Eigen::MatrixXf& input, Eigen::MatrixXf& output) const {
  if (layers_.empty()) return;
  output.resize(static_cast<Eigen::Index>(outputs()), input.cols());
  if (use_avx2_) {
    // Column by column: the register-blocked kernel beats Eigen's baseline product here.
    for (Eigen::Index c = 0; c < input.cols(); ++c) {
      (void)forward_avx2(input.col(c).data(), output.col(c).data());
    }
    return;
  }
  // Blocks of kBlockColumns samples keep every activation matrix in the L1/L2 cache; one
  // product over a whole 1,000-workload batch ran 4x slower per sample than this.
  for (Eigen::Index c = 0; c < input.cols(); c += kBlockColumns) {
    const Eigen::Index n = std::min(kBlockColumns, input.cols() - c);
    const Eigen::MatrixXf* in = nullptr;
    Eigen::MatrixXf* out = &block_a_;
    for (size_t i = 0; i < layers_.size(); ++i) {
      const DenseLayer& l = layers_[i];
      out->resize(l.weights.rows(), n);
      if (i == 0) {
        out->noalias() = l.weights * input.middleCols(c, n);
      } else {
        out->noalias() = l.weights * *in;
      }
      out->colwise() += l.bias;
      activate(*out, l.activation);
      in = out;
      out = out == &block_a_ ? &block_b_ : &block_a_;
    }
    output.middleCols(c, n) = *in;
  }
}

}  // namespace dwae::policy
