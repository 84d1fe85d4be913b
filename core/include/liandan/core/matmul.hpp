// matmul with NumPy/PyTorch semantics: 1-D operands are promoted and the added dim removed;
// batch dims broadcast; transposed (or otherwise strided) operands are read without copies.
// f32 runs through oneDNN with cached primitives; f64 through our own blocked loop.
#pragma once

#include "liandan/core/tensor.hpp"

namespace liandan::core {

Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace liandan::core
