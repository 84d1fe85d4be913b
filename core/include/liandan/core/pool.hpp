// 2-D max and average pooling (direct loops, f32 and f64), NCHW, PyTorch semantics (floor mode,
// no dilation). Each forward has its backward kernel beside it; it returns the gradient.
#pragma once

#include "liandan/core/tensor.hpp"

namespace liandan::core {

struct Pool2dOptions {
  Pair kernel{2, 2};
  Pair stride{0, 0};  // {0, 0} means stride = kernel, as PyTorch
  Pair padding{0, 0};
  bool count_include_pad = true;  // avg_pool2d only
};
// x (N, C, H, W) -> (N, C, H', W'); padding is at most half the kernel. The max_pool2d gradient
// goes to the first maximum of each window, as PyTorch.
Tensor max_pool2d(const Tensor& x, const Pool2dOptions& o);
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Pool2dOptions& o);
// Where each window's maximum came from: the flat position h * W + w in its (H, W) plane,
// i64 (N, C, H', W'); the same element max_pool2d_backward sends the gradient to.
Tensor max_pool2d_indices(const Tensor& x, const Pool2dOptions& o);
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& o);
Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& x_shape, const Pool2dOptions& o);

}  // namespace liandan::core
