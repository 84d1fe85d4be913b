// softmax and log_softmax: a row kernel over contiguous rows (a softmax over an inner dim first
// moves that dim last). Rows are independent, so results do not depend on the thread count.
#include "liandan/core/softmax.hpp"

#include <cmath>
#include <limits>

#include "liandan/core/parallel.hpp"
#include "vmath.hpp"

namespace liandan::core {
namespace {

template <typename T>
T row_max(const T* x, std::int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : m)
  for (std::int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

template <bool kLog>
Tensor softmax_impl(const Tensor& x, std::int64_t dim, const char* op) {
  check(x.defined(), "{}: undefined tensor", op);
  if (x.dim() == 0) return softmax_impl<kLog>(x.reshape(Shape{1}), 0, op).reshape(Shape{});
  const int d = wrap_dim(dim, x.dim(), op);
  const bool last = d == x.dim() - 1;
  const Tensor rows = last ? x.contiguous() : x.transpose(d, -1).contiguous();
  Tensor out = Tensor::empty(rows.shape(), x.dtype());
  const std::int64_t n = rows.size(-1), count = n ? rows.numel() / n : 0;
  dispatch_floating(x.dtype(), op, [&]<typename T>() {
    const T* src = rows.data<T>();
    T* dst = out.data<T>();
    parallel_for(count, 4 * n, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t r = b; r < e; ++r) {
        const T* xr = src + r * n;
        T* yr = dst + r * n;
        const T m = row_max(xr, n);
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (std::int64_t i = 0; i < n; ++i) {
          const T v = detail::vexp(xr[i] - m);
          if constexpr (!kLog) yr[i] = v;
          s += v;
        }
        if constexpr (kLog) {
          const T shift = m + std::log(s);
#pragma omp simd
          for (std::int64_t i = 0; i < n; ++i) yr[i] = xr[i] - shift;
        } else {
          const T inv = T(1) / s;
#pragma omp simd
          for (std::int64_t i = 0; i < n; ++i) yr[i] *= inv;
        }
      }
    });
  });
  return last ? out : out.transpose(d, -1).contiguous();
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) { return softmax_impl<false>(x, dim, "softmax"); }
Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return softmax_impl<true>(x, dim, "log_softmax");
}

}  // namespace liandan::core
