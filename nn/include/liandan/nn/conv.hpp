// Conv2d and ConvTranspose2d over (N, C, H, W) or unbatched (C, H, W) inputs, as torch.nn's,
// with PyTorch's default initialisation (kaiming_uniform with a = sqrt(5) on the weight, bias
// U(-1/sqrt(fan_in), 1/sqrt(fan_in))) so that results compare. Zero padding only.
#pragma once

#include "liandan/nn/module.hpp"
#include "liandan/nn/size2.hpp"

namespace liandan::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  std::int64_t groups = 1;  // divides in_channels and out_channels
  bool bias = true;
  DType dtype = DType::f32;
};

class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size,
         const Conv2dOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (N, C_in, H, W) -> (N, C_out, H', W')
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;

  std::int64_t in_channels, out_channels;
  Size2 kernel_size, stride, padding, dilation;
  std::int64_t groups;
  Tensor weight;  // (C_out, C_in / groups, kH, kW)
  Tensor bias;    // (C_out) or undefined
};

struct ConvTranspose2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 output_padding = 0;  // extra rows/cols on one side of the output (< stride or dilation)
  Size2 dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
  DType dtype = DType::f32;
};

// The adjoint of Conv2d: H' = (H - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size,
                  const ConvTranspose2dOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (N, C_in, H, W) -> (N, C_out, H', W')
  std::string type_name() const override { return "ConvTranspose2d"; }
  std::string extra_repr() const override;

  std::int64_t in_channels, out_channels;
  Size2 kernel_size, stride, padding, output_padding, dilation;
  std::int64_t groups;
  Tensor weight;  // (C_in, C_out / groups, kH, kW), as PyTorch
  Tensor bias;    // (C_out) or undefined
};

}  // namespace liandan::nn
