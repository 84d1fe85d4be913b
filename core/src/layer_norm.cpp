// layer_norm: a row kernel over the trailing normalised dims (mean, biased var, then the affine
// transform). Rows are independent, so results do not depend on the thread count.
#include "liandan/core/layer_norm.hpp"

#include <cmath>

#include "liandan/core/parallel.hpp"

namespace liandan::core {

LayerNormResult layer_norm(const Tensor& x_in, const Shape& normalized_shape, const Tensor& weight,
                           const Tensor& bias, double eps) {
  check(x_in.defined(), "layer_norm: undefined tensor");
  const int k = normalized_shape.size();
  bool match = k >= 1 && k <= x_in.dim();
  for (int i = 0; match && i < k; ++i) match = x_in.size(x_in.dim() - k + i) == normalized_shape[i];
  check(match, "layer_norm: input {} does not end with normalized_shape {}", x_in.shape(),
        normalized_shape);
  for (const Tensor* p : {&weight, &bias}) {
    if (!p->defined()) continue;
    check(p->shape() == normalized_shape,
          "layer_norm: {} of shape {} does not match normalized_shape {}",
          p == &weight ? "weight" : "bias", p->shape(), normalized_shape);
    check(p->dtype() == x_in.dtype(), "layer_norm: {} is {} but input is {}",
          p == &weight ? "weight" : "bias", p->dtype(), x_in.dtype());
  }
  const Tensor x = x_in.contiguous();
  const std::int64_t n = normalized_shape.numel(), rows = n ? x.numel() / n : 0;
  Shape stat_shape = x.shape();
  for (int i = 0; i < k; ++i) stat_shape[x.dim() - k + i] = 1;
  LayerNormResult r{Tensor::empty(x.shape(), x.dtype()), Tensor::empty(stat_shape, x.dtype()),
                    Tensor::empty(stat_shape, x.dtype())};
  dispatch_floating(x.dtype(), "layer_norm", [&]<typename T>() {
    const Tensor w = weight.defined() ? weight.contiguous() : Tensor();
    const Tensor bb = bias.defined() ? bias.contiguous() : Tensor();
    const T* gamma = w.defined() ? w.data<T>() : nullptr;
    const T* beta = bb.defined() ? bb.data<T>() : nullptr;
    const T* src = x.data<T>();
    T *dst = r.out.data<T>(), *mean = r.mean.data<T>(), *rstd = r.rstd.data<T>();
    parallel_for(rows, 4 * n, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t row = b; row < e; ++row) {
        const T* xr = src + row * n;
        T* yr = dst + row * n;
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (std::int64_t i = 0; i < n; ++i) s += xr[i];
        const T mu = s / static_cast<T>(n);
        T ss = 0;
#pragma omp simd reduction(+ : ss)
        for (std::int64_t i = 0; i < n; ++i) ss += (xr[i] - mu) * (xr[i] - mu);
        const T inv = T(1) / std::sqrt(ss / static_cast<T>(n) + static_cast<T>(eps));
        mean[row] = mu;
        rstd[row] = inv;
#pragma omp simd
        for (std::int64_t i = 0; i < n; ++i) {
          T y = (xr[i] - mu) * inv;
          if (gamma) y *= gamma[i];
          if (beta) y += beta[i];
          yr[i] = y;
        }
      }
    });
  });
  return r;
}

}  // namespace liandan::core
