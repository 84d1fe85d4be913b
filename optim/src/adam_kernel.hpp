// The Adam / AdamW update of one parameter, shared by Adam, AdamW and Muon's AdamW part.
#pragma once

#include <algorithm>
#include <cmath>

#include "liandan/core/parallel.hpp"
#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// Per element, at step t (PyTorch's torch.optim.Adam / AdamW, ALGORITHMS.md section 1):
//   AdamW: p *= 1 - lr * wd                 Adam: g += wd * p (coupled L2)
//   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2 ;  amsgrad: vmax = max(vmax, v)
//   p -= lr / (1 - b1^t) * m / (sqrt(v or vmax) / sqrt(1 - b2^t) + eps)
// (Kingma & Ba, Algorithm 1 with the bias corrections folded into the step size; eps is added
// after bias-correcting sqrt(v), as PyTorch does.)
// O is any options struct with lr, beta1, beta2, eps and weight_decay (Adam's, AdamW's, Muon's).
template <typename T, typename O>
inline void adam_kernel(T* p, const T* g, T* m, T* v, T* vmax, std::int64_t n, const O& o,
                        bool decoupled, std::int64_t step) {
  const double lr = o.lr, wd = o.weight_decay;
  const double beta1 = o.beta1, beta2 = o.beta2;
  const T decay = T(decoupled ? 1 - lr * wd : 1);
  const T l2 = T(decoupled ? 0 : wd);
  const T b1 = T(beta1), b2 = T(beta2), eps = T(o.eps);
  const T one_b1 = T(1 - beta1), one_b2 = T(1 - beta2);
  const T step_size = T(lr / (1 - std::pow(beta1, double(step))));
  const T bc2_sqrt = T(std::sqrt(1 - std::pow(beta2, double(step))));
  core::parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
#pragma omp simd
    for (std::int64_t i = begin; i < end; ++i) {
      if (decay != T(1)) p[i] *= decay;
      const T gi = l2 != 0 ? g[i] + l2 * p[i] : g[i];
      m[i] = b1 * m[i] + one_b1 * gi;
      v[i] = b2 * v[i] + one_b2 * gi * gi;
      T vi = v[i];
      if (vmax) vi = vmax[i] = std::max(vmax[i], vi);
      p[i] -= step_size * (m[i] / (std::sqrt(vi) / bc2_sqrt + eps));
    }
  });
}

}  // namespace liandan::optim
