// Composites of the index ops: embedding (index_select of rows, so its gradient is index_add
// into zeros, and repeated indices accumulate) and one_hot (integer, no gradient).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/indexing.hpp"

namespace liandan {

// weight (V, D), indices (...) i64 -> (..., D)
Tensor embedding(const Tensor& weight, const Tensor& indices) {
  check_input(weight, "embedding", "weight");
  check_input(indices, "embedding", "indices");
  check(weight.dim() == 2, "embedding: weight must be 2-D (V, D), got shape {} (indices shape {})",
        weight.shape(), indices.shape());
  check(indices.dtype() == DType::i64, "embedding: indices must be i64, got {} (shape {})",
        indices.dtype(), indices.shape());
  Shape s = indices.shape();
  s.push_back(weight.size(1));
  return reshape(index_select(weight, 0, reshape(indices, Shape{-1})), s);
}

Tensor one_hot(const Tensor& indices, std::int64_t num_classes) {
  check_input(indices, "one_hot", "indices");
  return Tensor(core::one_hot(indices.data(), num_classes));
}

}  // namespace liandan
