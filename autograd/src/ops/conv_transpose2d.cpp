// conv_transpose2d: a composite. conv_transpose2d(x, w) is the input gradient of the
// convolution conv2d(y, w) whose input y has the transposed output's shape (PyTorch's
// transposed weight (C, O/groups, kH, kW) is that convolution's weight), plus bias. Its
// gradients follow from conv2d_input_grad's (Note [Convolution adjoints] in conv2d.cpp).
#include <fmt/ranges.h>

#include <algorithm>

#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const core::ConvTranspose2dOptions& o) {
  check_input(x, "conv_transpose2d", "x");
  check_input(weight, "conv_transpose2d", "weight");
  const char* op = "conv_transpose2d";
  check(x.dim() == 4 && weight.dim() == 4,
        "{}: input {} and weight {} must be 4-D (N, C, H, W) and (C, O/groups, kH, kW)", op,
        x.shape(), weight.shape());
  check(o.groups >= 1 && x.size(1) == weight.size(0) && x.size(1) % o.groups == 0,
        "{}: input {} has {} channels but weight {} expects {}, divisible by groups {}", op,
        x.shape(), x.size(1), weight.shape(), weight.size(0), o.groups);
  Shape ys{x.size(0), weight.size(1) * o.groups, 0, 0};  // (N, O, H_out, W_out)
  Shape conv_out = x.shape();  // the output of conv2d(y, w): x zero-extended if need be
  for (int i = 0; i < 2; ++i) {
    const std::int64_t s = o.stride[i], p = o.padding[i], d = o.dilation[i];
    const std::int64_t k = weight.size(2 + i), op_i = o.output_padding[i];
    check(s >= 1 && d >= 1 && op_i >= 0 && op_i < std::max(s, d),
          "{}: output_padding {} must be non-negative and smaller than stride {} or dilation {}",
          op, o.output_padding, o.stride, o.dilation);
    ys[2 + i] = (x.size(2 + i) - 1) * s - 2 * p + d * (k - 1) + op_i + 1;
    check(ys[2 + i] > 0, "{}: input {} weight {}: output size {} along dim {} is not positive", op,
          x.shape(), weight.shape(), ys[2 + i], 2 + i);
    // rows of conv2d(y, w): H_out + 2p - d(k-1) - 1 = (H-1) s + op_i, over s, plus one
    conv_out[2 + i] = ((x.size(2 + i) - 1) * s + op_i) / s + 1;
  }
  check(!bias.defined() || bias.shape() == Shape{ys[1]},
        "{}: bias must have shape [{}] for weight {}, got {}", op, ys[1], weight.shape(),
        bias.defined() ? bias.shape() : Shape{});
  // When output_padding >= stride (dilation > stride) the convolution of y has extra output
  // rows; x is zero-extended to them (slice_scatter: differentiable), they feed nothing.
  Tensor g = x;
  for (int i = 2; i < 4; ++i) {
    if (g.size(i) == conv_out[i]) continue;
    Shape s = g.shape();
    s[i] = conv_out[i];
    g = slice_scatter(g, s, i, 0, g.size(i));
  }
  Tensor y = conv2d_input_grad(g, weight, ys, {o.stride, o.padding, o.dilation, o.groups});
  if (bias.defined()) y = y + reshape(bias, {1, ys[1], 1, 1});
  return y;
}

}  // namespace liandan
