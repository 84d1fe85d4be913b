// Index ops: embedding, index_select, index_add, gather, scatter_add, one_hot.
// Index tensors are i64; an index out of range is an error naming the op, the index and the size.
#pragma once

#include <cstdint>

#include "liandan/core/tensor.hpp"

namespace liandan::core {

// weight (V, D), indices (...) -> (..., D)
Tensor embedding(const Tensor& weight, const Tensor& indices);
// index: 1-D; result has x's shape with size index.numel() at dim
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
// out = x with out.select(dim, index[i]) += src.select(dim, i)
Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
// out[i][j] = x[index[i][j]][j] for dim 0 (and likewise for any dim); index has x's rank
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
// out = x; out[index[i][j]][j] += src[i][j] for dim 0 (and likewise for any dim)
Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
// indices (...) -> (..., num_classes) i64; num_classes = -1 infers max + 1
Tensor one_hot(const Tensor& indices, std::int64_t num_classes = -1);

}  // namespace liandan::core
