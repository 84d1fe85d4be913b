// 2-D convolution and transposed convolution (f32 through oneDNN, f64 through direct loops for
// tests and gradcheck) and pooling (direct loops), NCHW, PyTorch semantics. Each forward has its
// backward kernels beside it; they return gradients (no accumulation).
#pragma once

#include <array>
#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

using Pair = std::array<std::int64_t, 2>;

struct Conv2dOptions {
  Pair stride{1, 1};
  Pair padding{0, 0};
  Pair dilation{1, 1};
  std::int64_t groups = 1;
};
// x (N, C, H, W), weight (O, C/groups, kH, kW), bias (O) or undefined -> (N, O, H', W')
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& o = {});
// grad_out (N, O, H', W') -> gradient of x (x_shape); -> gradient of weight (weight_shape).
Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& x_shape,
                             const Conv2dOptions& o);
Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                              const Conv2dOptions& o);

struct ConvTranspose2dOptions {
  Pair stride{1, 1};
  Pair padding{0, 0};
  Pair output_padding{0, 0};
  Pair dilation{1, 1};
  std::int64_t groups = 1;
};
// x (N, C, H, W), weight (C, O/groups, kH, kW) as PyTorch, bias (O) or undefined. Its backward
// is conv2d and conv2d_backward_weight, see Note [Transposed convolution] in conv.cpp.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dOptions& o = {});

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
