// layer_norm over the trailing dims, with the statistics its backward needs.
#pragma once

#include "liandan/core/tensor.hpp"

namespace liandan::core {

// Normalises over the trailing normalized_dims dims. mean and rstd (1/sqrt(var + eps), biased
// var) have the leading shape with the normalised dims kept as 1: what a backward needs.
struct LayerNormResult {
  Tensor out;
  Tensor mean;
  Tensor rstd;
};
// weight and bias may be undefined tensors (no affine transform).
LayerNormResult layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                           const Tensor& bias, double eps = 1e-5);

}  // namespace liandan::core
