// RoPE: the rotation of interleaved feature pairs by per-position angles, and the angle tables.
// One pass reads x through its strides and writes the rotated copy; rows are independent, so
// results do not depend on the thread count.
#include "liandan/core/rope.hpp"

#include <cmath>
#include <vector>

#include "liandan/core/parallel.hpp"

namespace liandan::core {

Tensor rope(const Tensor& x, const Tensor& cos_in, const Tensor& sin_in, bool inverse) {
  check(x.defined() && cos_in.defined() && sin_in.defined(), "rope: undefined tensor");
  check(x.dim() >= 2 && x.size(-1) % 2 == 0,
        "rope: x {} must be (..., T, D) with an even head size D", x.shape());
  const std::int64_t T = x.size(-2), D = x.size(-1), half = D / 2;
  check(cos_in.shape() == Shape{T, half} && sin_in.shape() == Shape{T, half},
        "rope: x {} needs cos and sin of shape [{},{}], got {} and {}", x.shape(), T, half,
        cos_in.shape(), sin_in.shape());
  check(cos_in.dtype() == x.dtype() && sin_in.dtype() == x.dtype(),
        "rope: cos {} and sin {} must have x's dtype {}", cos_in.dtype(), sin_in.dtype(),
        x.dtype());
  const Tensor cs = cos_in.contiguous(), sn = sin_in.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  const std::int64_t rows = D ? x.numel() / D : 0, xs = x.stride(-1);
  dispatch_floating(x.dtype(), "rope", [&]<typename T_>() {
    const T_ *src = x.data<T_>(), *c = cs.data<T_>(), *s = sn.data<T_>();
    T_* dst = out.data<T_>();
    const T_ sign = inverse ? T_(-1) : T_(1);
    parallel_for(rows, 2 * D, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t r = begin; r < end; ++r) {
        std::int64_t off = 0;  // r is the row-major index over x's dims but the last
        for (std::int64_t d = x.dim() - 2, rem = r; d >= 0; --d) {
          off += (rem % x.size(d)) * x.stride(d);
          rem /= x.size(d);
        }
        const T_* xr = src + off;
        const T_ *cr = c + (r % T) * half, *sr = s + (r % T) * half;
        T_* yr = dst + r * D;
#pragma omp simd
        for (std::int64_t p = 0; p < half; ++p) {
          const T_ x0 = xr[2 * p * xs], x1 = xr[(2 * p + 1) * xs], sp = sign * sr[p];
          yr[2 * p] = x0 * cr[p] - x1 * sp;
          yr[2 * p + 1] = x1 * cr[p] + x0 * sp;
        }
      }
    });
  });
  return out;
}

namespace {

// angles[t][first + p] = pos[t * pos_stride] * base^(-2p / dim) for t < T, p < dim / 2.
void fill_angles(double* angles, std::int64_t row_stride, const double* pos, std::int64_t T,
                 std::int64_t pos_stride, std::int64_t first, std::int64_t dim, double base) {
  for (std::int64_t p = 0; p < dim / 2; ++p) {
    const double theta = std::pow(base, -2.0 * static_cast<double>(p) / static_cast<double>(dim));
    for (std::int64_t t = 0; t < T; ++t)
      angles[t * row_stride + first + p] = pos[t * pos_stride] * theta;
  }
}

}  // namespace

Tensor rope_angles(const Tensor& positions, std::int64_t d, double base) {
  check(positions.defined() && positions.dim() == 1,
        "rope_angles: positions must be 1-D (T), got {}",
        positions.defined() ? positions.shape() : Shape{});
  check(d > 0 && d % 2 == 0, "rope_angles: head size {} must be positive and even", d);
  check(base > 0, "rope_angles: base {} must be positive", base);
  const std::vector<double> pos = positions.to_vector<double>();
  Tensor angles = Tensor::empty({positions.size(0), d / 2}, DType::f64);
  fill_angles(angles.data<double>(), d / 2, pos.data(), positions.size(0), 1, 0, d, base);
  return angles;
}

Tensor rope_angles_2d(const Tensor& positions, std::int64_t d, double base) {
  check(positions.defined() && positions.dim() == 2 && positions.size(1) == 2,
        "rope_angles_2d: positions must be (T, 2) of (row, col), got {}",
        positions.defined() ? positions.shape() : Shape{});
  check(d > 0 && d % 4 == 0, "rope_angles_2d: head size {} must be a positive multiple of 4", d);
  check(base > 0, "rope_angles_2d: base {} must be positive", base);
  const std::vector<double> pos = positions.to_vector<double>();
  Tensor angles = Tensor::empty({positions.size(0), d / 2}, DType::f64);
  const std::int64_t T = positions.size(0);
  fill_angles(angles.data<double>(), d / 2, pos.data(), T, 2, 0, d / 2, base);          // rows
  fill_angles(angles.data<double>(), d / 2, pos.data() + 1, T, 2, d / 4, d / 2, base);  // cols
  return angles;
}

RopeTable rope_table(const Tensor& angles, DType dtype) {
  check(angles.defined() && angles.dim() == 2, "rope_table: angles must be (T, D / 2), got {}",
        angles.defined() ? angles.shape() : Shape{});
  const std::vector<double> a = angles.to_vector<double>();
  std::vector<double> c(a.size()), s(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) c[i] = std::cos(a[i]), s[i] = std::sin(a[i]);
  return {Tensor::from<double>(c, angles.shape()).to(dtype),
          Tensor::from<double>(s, angles.shape()).to(dtype)};
}

}  // namespace liandan::core
