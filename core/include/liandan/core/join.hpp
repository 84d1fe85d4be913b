// Joining and splitting along a dim, and triangular masks.
#pragma once

#include <cstdint>
#include <vector>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim);
// Views of pieces of split_size along dim (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t dim);
// chunks pieces (views), as torch.chunk: size ceil(n / chunks), possibly fewer pieces.
std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim);

// Keep elements on and below (tril) / above (triu) the k-th diagonal of the last two dims.
Tensor tril(const Tensor& x, std::int64_t k = 0);
Tensor triu(const Tensor& x, std::int64_t k = 0);

}  // namespace liandan::core
