// Conv2d and ConvTranspose2d: parameters, PyTorch's initialisation (_ConvNd.reset_parameters)
// and print; the math is the conv2d / conv_transpose2d ops.
#include "liandan/nn/conv.hpp"

#include <cmath>

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/init.hpp"
#include "repr.hpp"
#include "unbatched.hpp"

namespace liandan::nn {

namespace {

void check_conv(std::int64_t in, std::int64_t out, const Size2& k, const Size2& stride,
                const Size2& padding, const Size2& dilation, std::int64_t groups, const char* op) {
  check(in > 0 && out > 0, "{}: channels must be positive, got {} -> {}", op, in, out);
  check(groups > 0 && in % groups == 0 && out % groups == 0,
        "{}: groups {} must divide in_channels {} and out_channels {}", op, groups, in, out);
  check(k.h > 0 && k.w > 0 && stride.h > 0 && stride.w > 0 && dilation.h > 0 && dilation.w > 0 &&
            padding.h >= 0 && padding.w >= 0,
        "{}: kernel_size {}, stride {}, dilation {} must be positive and padding {} non-negative",
        op, repr::tuple(k), repr::tuple(stride), repr::tuple(dilation), repr::tuple(padding));
}

// Creates and registers weight (weight_shape) and, with_bias, bias (out_channels); then
// kaiming_uniform(a = sqrt 5) on the weight, bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in
// from the weight's dims 1.. (as torch.nn.modules.conv._ConvNd.reset_parameters).
void make_parameters(Module& m, Tensor& weight, Tensor& bias, const Shape& weight_shape,
                     std::int64_t out_channels, bool with_bias, DType dtype) {
  weight = zeros(weight_shape, {.dtype = dtype});
  m.register_parameter("weight", weight);
  if (with_bias) {
    bias = zeros({out_channels}, {.dtype = dtype});
    m.register_parameter("bias", bias);
  }
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  const auto fan_in = static_cast<double>(init::fans(weight).first);
  const double bound = fan_in > 0 ? 1 / std::sqrt(fan_in) : 0;
  init::uniform_(bias, -bound, bound);
}

// The parts of PyTorch's _ConvNd.extra_repr that follow kernel_size and stride.
std::string optional_repr(const Size2& padding, const Size2& dilation, const Size2& output_padding,
                          std::int64_t groups, bool bias) {
  std::string s;
  if (padding != Size2(0)) s += ", padding=" + repr::tuple(padding);
  if (dilation != Size2(1)) s += ", dilation=" + repr::tuple(dilation);
  if (output_padding != Size2(0)) s += ", output_padding=" + repr::tuple(output_padding);
  if (groups != 1) s += fmt::format(", groups={}", groups);
  if (!bias) s += ", bias=false";
  return s;
}

}  // namespace

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size,
               const Conv2dOptions& options)
    : in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      stride(options.stride),
      padding(options.padding),
      dilation(options.dilation),
      groups(options.groups) {
  check_conv(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, "Conv2d");
  make_parameters(*this, weight, bias,
                  {out_channels, in_channels / groups, kernel_size.h, kernel_size.w}, out_channels,
                  options.bias, options.dtype);
}

Tensor Conv2d::forward(const Tensor& x) {
  return with_batch_dim(x, "Conv2d", [&](const Tensor& x4) {
    check(x4.size(1) == in_channels, "Conv2d: expected {} input channels, got input {}",
          in_channels, x.shape());
    return conv2d(x4, weight, bias,
                  {.stride = stride.pair(),
                   .padding = padding.pair(),
                   .dilation = dilation.pair(),
                   .groups = groups});
  });
}

std::string Conv2d::extra_repr() const {
  return fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels,
                     repr::tuple(kernel_size), repr::tuple(stride)) +
         optional_repr(padding, dilation, 0, groups, bias.defined());
}

ConvTranspose2d::ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels,
                                 Size2 kernel_size, const ConvTranspose2dOptions& options)
    : in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      stride(options.stride),
      padding(options.padding),
      output_padding(options.output_padding),
      dilation(options.dilation),
      groups(options.groups) {
  check_conv(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
             "ConvTranspose2d");
  check(output_padding.h >= 0 && output_padding.w >= 0 &&
            output_padding.h < std::max(stride.h, dilation.h) &&
            output_padding.w < std::max(stride.w, dilation.w),
        "ConvTranspose2d: output_padding {} must be smaller than stride {} or dilation {}",
        repr::tuple(output_padding), repr::tuple(stride), repr::tuple(dilation));
  make_parameters(*this, weight, bias,
                  {in_channels, out_channels / groups, kernel_size.h, kernel_size.w}, out_channels,
                  options.bias, options.dtype);
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return with_batch_dim(x, "ConvTranspose2d", [&](const Tensor& x4) {
    check(x4.size(1) == in_channels, "ConvTranspose2d: expected {} input channels, got input {}",
          in_channels, x.shape());
    return conv_transpose2d(x4, weight, bias,
                            {.stride = stride.pair(),
                             .padding = padding.pair(),
                             .output_padding = output_padding.pair(),
                             .dilation = dilation.pair(),
                             .groups = groups});
  });
}

std::string ConvTranspose2d::extra_repr() const {
  return fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels,
                     repr::tuple(kernel_size), repr::tuple(stride)) +
         optional_repr(padding, dilation, output_padding, groups, bias.defined());
}

}  // namespace liandan::nn
