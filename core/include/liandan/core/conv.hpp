// 2-D convolution and transposed convolution (f32 through oneDNN, f64 through direct loops for
// tests and gradcheck), NCHW, PyTorch semantics. Each forward has its backward kernels beside
// it; they return gradients (no accumulation).
#pragma once

#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

struct Conv2dOptions {
  Pair stride{1, 1};
  Pair padding{0, 0};
  Pair dilation{1, 1};
  std::int64_t groups = 1;
};
// x (N, C, H, W), weight (O, C/groups, kH, kW), bias (O) or undefined -> (N, O, H', W')
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dOptions& o = {});
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

}  // namespace liandan::core
