// The causal dot product of linear attention (Katharopoulos et al., arXiv 2006.16236; the
// causal_product kernel of idiap/fast-transformers):
//   out_i = sum_{j <= i} (q_i . k_j) v_j = q_i^T S_i,   S_i = sum_{j <= i} k_j v_j^T   (D x M)
// and its anti-causal mirror (reverse: j >= i), which the backward needs. Computed in chunks of
// C rows: within a chunk a masked (C x C) block, across chunks a running D x M state, so neither
// the T x T matrix nor the T prefix states are ever stored. f32 and f64.
#pragma once

#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

struct CausalDotProductOptions {
  bool reverse = false;     // out_i = sum_{j >= i} (q_i . k_j) v_j instead
  std::int64_t chunk = 64;  // rows per chunk; any C >= 1 gives the same result up to rounding
};

// q, k (..., T, D), v (..., T, M) with equal leading dims -> (..., T, M).
Tensor causal_dot_product(const Tensor& q, const Tensor& k, const Tensor& v,
                          const CausalDotProductOptions& options = {});

// The gradients of causal_dot_product given g = dL/dout (..., T, M); a tensor is computed only
// when its need_* flag is set. One parallel pass over the (leading) sequences:
//   dq = causal_dot_product(g, v, k)                (forward sweep of sum_j v_j k_j^T)
//   dk = causal_dot_product(v, g, q, reversed)      (reverse sweep of R^T = sum_{i>=j} g_i q_i^T)
//   dv = causal_dot_product(k, q, g, reversed)      (reverse sweep of R   = sum_{i>=j} q_i g_i^T)
// (with reverse options the directions swap). Extra memory: O(C*(C + D + M) + D*M) per thread.
struct CausalDotProductGrads {
  Tensor q, k, v;  // undefined where not needed
};
CausalDotProductGrads causal_dot_product_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                                  const Tensor& grad_out,
                                                  const CausalDotProductOptions& options = {},
                                                  bool need_q = true, bool need_k = true,
                                                  bool need_v = true);

}  // namespace liandan::core
