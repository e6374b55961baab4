// AVX2/FMA kernels of the MLP forward pass, chosen at run time when the CPU has them. They
// live in their own file without Eigen: Eigen compiled with two instruction sets in one binary
// would break the one-definition rule.
#pragma once

#include <cstddef>

namespace dwae::policy::avx2 {

// True when this CPU runs AVX2 and FMA.
bool available();
// y[0..out_pad) = bias + Wt^T x, with Wt column-major padded: Wt[c * out_pad + r].
// out_pad is a multiple of 8; y must hold out_pad floats.
void dense(const float* wt, const float* bias, size_t in, size_t out_pad, const float* x, float* y);
// In place over n values (n a multiple of 8): tanh (Eigen's rational approximation, so both
// paths agree to a few ulp) and relu. NaN stays NaN in both, as in Eigen.
void tanh_inplace(float* y, size_t n);
void relu_inplace(float* y, size_t n);

}  // namespace dwae::policy::avx2
