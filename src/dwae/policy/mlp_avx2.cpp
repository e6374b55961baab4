// Register-blocked dense layer: up to 8 accumulators of 8 outputs, one broadcast input per
// step, so each weight is loaded once and the FMA chains run in parallel.
#include "dwae/policy/mlp_avx2.h"

#include <immintrin.h>

namespace dwae::policy::avx2 {

namespace {

template <size_t kBlocks>
__attribute__((target("avx2,fma"))) void dense_rows(const float* wt, const float* bias, size_t in,
                                                    size_t out_pad, size_t row, const float* x,
                                                    float* y) {
  __m256 acc[kBlocks];
#pragma GCC unroll 8
  for (size_t k = 0; k < kBlocks; ++k) acc[k] = _mm256_loadu_ps(bias + row + 8 * k);
  for (size_t c = 0; c < in; ++c) {
    const __m256 xc = _mm256_broadcast_ss(x + c);
    const float* w = wt + c * out_pad + row;
#pragma GCC unroll 8
    for (size_t k = 0; k < kBlocks; ++k)
      acc[k] = _mm256_fmadd_ps(_mm256_loadu_ps(w + 8 * k), xc, acc[k]);
  }
#pragma GCC unroll 8
  for (size_t k = 0; k < kBlocks; ++k) _mm256_storeu_ps(y + row + 8 * k, acc[k]);
}

}  // namespace

bool available() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

__attribute__((target("avx2,fma"))) void dense(const float* wt, const float* bias, size_t in,
                                               size_t out_pad, const float* x, float* y) {
  size_t row = 0;
  for (; row + 64 <= out_pad; row += 64) dense_rows<8>(wt, bias, in, out_pad, row, x, y);
  switch ((out_pad - row) / 8) {
    case 7:
      dense_rows<7>(wt, bias, in, out_pad, row, x, y);
      break;
    case 6:
      dense_rows<6>(wt, bias, in, out_pad, row, x, y);
      break;
    case 5:
      dense_rows<5>(wt, bias, in, out_pad, row, x, y);
      break;
    case 4:
      dense_rows<4>(wt, bias, in, out_pad, row, x, y);
      break;
    case 3:
      dense_rows<3>(wt, bias, in, out_pad, row, x, y);
      break;
    case 2:
      dense_rows<2>(wt, bias, in, out_pad, row, x, y);
      break;
    case 1:
      dense_rows<1>(wt, bias, in, out_pad, row, x, y);
      break;
    default:
      break;
  }
}

__attribute__((target("avx2,fma"))) void tanh_inplace(float* y, size_t n) {
  const __m256 clamp_hi = _mm256_set1_ps(7.99881172180175781F);
  const __m256 clamp_lo = _mm256_set1_ps(-7.99881172180175781F);
  const __m256 tiny = _mm256_set1_ps(0.0004F);
  const __m256 sign = _mm256_set1_ps(-0.0F);
  for (size_t i = 0; i < n; i += 8) {
    const __m256 a = _mm256_loadu_ps(y + i);
    // min/max return their second operand when either is NaN: `a` second, so NaN stays NaN
    // (as in Eigen's tanh) instead of becoming the clamp bound and tanh(NaN) ~ 1.
    const __m256 x = _mm256_max_ps(clamp_lo, _mm256_min_ps(clamp_hi, a));
    const __m256 tiny_mask = _mm256_cmp_ps(_mm256_andnot_ps(sign, a), tiny, _CMP_LT_OQ);
    const __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(-2.76076847742355e-16F),
                               _mm256_set1_ps(2.00018790482477e-13F));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-8.60467152213735e-11F));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(5.12229709037114e-08F));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(1.48572235717979e-05F));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(6.37261928875436e-04F));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(4.89352455891786e-03F));
    p = _mm256_mul_ps(x, p);
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(1.19825839466702e-06F),
                               _mm256_set1_ps(1.18534705686654e-04F));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(2.26843463243900e-03F));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(4.89352518554385e-03F));
    _mm256_storeu_ps(y + i, _mm256_blendv_ps(_mm256_div_ps(p, q), x, tiny_mask));
  }
}

__attribute__((target("avx2,fma"))) void relu_inplace(float* y, size_t n) {
  const __m256 zero = _mm256_setzero_ps();
  // NaN as the second operand stays NaN, as with Eigen's cwiseMax.
  for (size_t i = 0; i < n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_max_ps(zero, _mm256_loadu_ps(y + i)));
}

}  // namespace dwae::policy::avx2
