// Internal: vectorisable float math. glibc's expf/tanhf/erff are scalar calls the compiler
// cannot vectorise, so the hot transcendental functions get branch-free versions here that
// `#pragma omp simd` loops inline. Double keeps the C library (tests, gradcheck).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace liandan::core::detail {

// Clamps written as comparisons: std::fmin/fmax must honour NaN operands, so GCC calls libm
// for them and the surrounding `omp simd` loop stays scalar (7-10x slower, bench/RESULTS.md).
// A NaN x passes through unchanged here; each caller returns NaN for NaN input anyway.
inline float clamp_to(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

// exp: Cephes' expf (range reduction by ln2, degree-6 polynomial), ~1 ulp, over the whole
// float range: e^x = p(r) 2^n with n in [-150, 128]. 2^n itself is not a float at both ends
// (2^128 overflows, 2^-150 is below the smallest subnormal), so the scale is applied in two
// exact halves, 2^floor(n/2) 2^(n - floor(n/2)): the product rounds once, to the largest finite
// floats up to ln(FLT_MAX) = 88.72284 and to subnormals down to -103.97 (as the C library and
// PyTorch).
inline float vexp(float x) {
  const float hi = 88.7228394f;   // the float nearest ln(FLT_MAX); above it e^x rounds to inf
  const float lo = -103.972084f;  // ln(2^-150): below it e^x rounds to 0
  const float xc = clamp_to(x, lo, hi);
  const float n = std::floor(xc * 1.44269504088896341f + 0.5f);
  const float r = xc - n * 0.693359375f - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const std::int32_t ni = static_cast<std::int32_t>(n), n1 = ni >> 1, n2 = ni - n1;
  const float scale1 = std::bit_cast<float>((n1 + 127) << 23);  // both halves in [-75, 64]
  const float scale2 = std::bit_cast<float>((n2 + 127) << 23);
  float out = y * scale1 * scale2;
  out = x > hi ? std::numeric_limits<float>::infinity() : out;
  out = x < lo ? 0.0f : out;
  return x != x ? x : out;
}
inline double vexp(double x) { return std::exp(x); }

// tanh: odd rational approximation on [-7.905, 7.905] (Eigen's ptanh_float), +-1 beyond;
// |x| < 4e-4 returns x.
inline float vtanh(float x) {
  const float c = 7.90531110763549805f;
  const float xc = clamp_to(x, -c, c);
  const float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * xc;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  float out = std::fabs(x) < 4e-4f ? x : p / q;
  out = std::fabs(x) >= c ? std::copysign(1.0f, x) : out;  // tanh(7.905) rounds to 1 - 2e-7
  return x != x ? x : out;
}
inline double vtanh(double x) { return std::tanh(x); }

// erf: odd rational approximation on [-4, 4] (Eigen's perf_float), saturating to +-1.
inline float verf(float x) {
  const float xc = clamp_to(x, -4.0f, 4.0f);
  const float x2 = xc * xc;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  p = p * xc;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return x != x ? x : p / q;
}
inline double verf(double x) { return std::erf(x); }

}  // namespace liandan::core::detail
