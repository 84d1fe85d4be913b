// MaxPool2d and AvgPool2d: the max_pool2d / avg_pool2d ops with PyTorch's defaults and print.
#include "liandan/nn/pooling.hpp"

#include "liandan/autograd/ops.hpp"
#include "repr.hpp"
#include "unbatched.hpp"

namespace liandan::nn {

namespace {
core::Pool2dOptions pool_options(const Size2& kernel, const Size2& stride, const Size2& padding,
                                 bool count_include_pad, const char* op) {
  check(kernel.h > 0 && kernel.w > 0 && stride.h >= 0 && stride.w >= 0,
        "{}: kernel_size {} must be positive and stride {} non-negative", op, repr::tuple(kernel),
        repr::tuple(stride));
  check(2 * padding.h <= kernel.h && 2 * padding.w <= kernel.w && padding.h >= 0 && padding.w >= 0,
        "{}: padding {} must be at most half of kernel_size {}", op, repr::tuple(padding),
        repr::tuple(kernel));
  return {.kernel = kernel.pair(),
          .stride = stride.pair(),
          .padding = padding.pair(),
          .count_include_pad = count_include_pad};
}
Size2 or_kernel(const Size2& stride, const Size2& kernel) {
  return stride == Size2(0) ? kernel : stride;
}
}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel_size, const MaxPool2dOptions& options)
    : kernel_size(kernel_size),
      stride(or_kernel(options.stride, kernel_size)),
      padding(options.padding) {
  pool_options(kernel_size, stride, padding, true, "MaxPool2d");
}

Tensor MaxPool2d::forward(const Tensor& x) {
  const core::Pool2dOptions o = pool_options(kernel_size, stride, padding, true, "MaxPool2d");
  return with_batch_dim(x, "MaxPool2d", [&](const Tensor& x4) { return max_pool2d(x4, o); });
}

std::string MaxPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation=1, ceil_mode=false",
                     repr::int_or_tuple(kernel_size), repr::int_or_tuple(stride),
                     repr::int_or_tuple(padding));
}

AvgPool2d::AvgPool2d(Size2 kernel_size, const AvgPool2dOptions& options)
    : kernel_size(kernel_size),
      stride(or_kernel(options.stride, kernel_size)),
      padding(options.padding),
      count_include_pad(options.count_include_pad) {
  pool_options(kernel_size, stride, padding, count_include_pad, "AvgPool2d");
}

Tensor AvgPool2d::forward(const Tensor& x) {
  const core::Pool2dOptions o =
      pool_options(kernel_size, stride, padding, count_include_pad, "AvgPool2d");
  return with_batch_dim(x, "AvgPool2d", [&](const Tensor& x4) { return avg_pool2d(x4, o); });
}

std::string AvgPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}", repr::int_or_tuple(kernel_size),
                     repr::int_or_tuple(stride), repr::int_or_tuple(padding));
}

}  // namespace liandan::nn
