// with_batch_dim: lets the 2-D layers take an unbatched (C, H, W) input, as PyTorch's do.
#pragma once

#include "liandan/autograd/ops.hpp"

namespace liandan::nn {

// fn(x) for a 4-D x; for a 3-D x, fn on x with a batch dim of 1 added, which is removed again.
// `op` names the layer in the error for other ranks.
template <typename F>
Tensor with_batch_dim(const Tensor& x, const char* op, F&& fn) {
  check(x.dim() == 3 || x.dim() == 4,
        "{}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {}", op, x.shape());
  return x.dim() == 4 ? fn(x) : squeeze(fn(unsqueeze(x, 0)), 0);
}

}  // namespace liandan::nn
