// Pooling modules over (N, C, H, W) or unbatched (C, H, W) inputs, as torch.nn.MaxPool2d and
// AvgPool2d (no dilation, no ceil_mode).
#pragma once

#include "liandan/core/pool.hpp"
#include "liandan/nn/module.hpp"
#include "liandan/nn/size2.hpp"

namespace liandan::nn {

struct MaxPool2dOptions {
  Size2 stride = 0;   // 0: the kernel size (PyTorch's stride=None)
  Size2 padding = 0;  // at most half the kernel; padded cells never win
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, const MaxPool2dOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (N, C, H, W) -> (N, C, H', W')
  std::string type_name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;

  Size2 kernel_size, stride, padding;
};

struct AvgPool2dOptions {
  Size2 stride = 0;  // 0: the kernel size
  Size2 padding = 0;
  bool count_include_pad = true;  // padded zeros count in each window's divisor
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, const AvgPool2dOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (N, C, H, W) -> (N, C, H', W')
  std::string type_name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;

  Size2 kernel_size, stride, padding;
  bool count_include_pad;
};

}  // namespace liandan::nn
