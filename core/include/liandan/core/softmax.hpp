// softmax and log_softmax along one dim (PyTorch semantics: a 0-dim tensor is one row).
#pragma once

#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

}  // namespace liandan::core
