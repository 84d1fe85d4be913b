// LayerNorm and RMSNorm over the trailing dims normalized_shape, as torch.nn.LayerNorm and
// torch.nn.RMSNorm (weight initialised to ones, bias to zeros).
#pragma once

#include <optional>

#include "liandan/nn/module.hpp"

namespace liandan::nn {

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;  // learn weight (and bias) of shape normalized_shape
  bool bias = true;                // with elementwise_affine: also learn the bias
  DType dtype = DType::f32;
};

// y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over normalized_shape (biased
// variance).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::int64_t normalized_size, const LayerNormOptions& options = {})
      : LayerNorm(Shape{normalized_size}, options) {}
  explicit LayerNorm(const Shape& normalized_shape, const LayerNormOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (..., normalized_shape) -> same
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;

  Shape normalized_shape;
  double eps;
  Tensor weight;  // (normalized_shape) or undefined
  Tensor bias;    // (normalized_shape) or undefined
};

struct RMSNormOptions {
  std::optional<double> eps =
      std::nullopt;  // none: the machine epsilon of the input's dtype, as PyTorch
  bool elementwise_affine = true;
  DType dtype = DType::f32;
};

// y = x * rsqrt(mean(x^2) + eps) * weight, mean over normalized_shape (Zhang & Sennrich 2019).
class RMSNorm : public Module {
 public:
  explicit RMSNorm(std::int64_t normalized_size, const RMSNormOptions& options = {})
      : RMSNorm(Shape{normalized_size}, options) {}
  explicit RMSNorm(const Shape& normalized_shape, const RMSNormOptions& options = {});
  Tensor forward(const Tensor& x) override;  // (..., normalized_shape) -> same
  std::string type_name() const override { return "RMSNorm"; }
  std::string extra_repr() const override;

  Shape normalized_shape;
  std::optional<double> eps;
  Tensor weight;  // (normalized_shape) or undefined
};

}  // namespace liandan::nn
