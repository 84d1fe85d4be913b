// matmul (both operands at least 2-D here; 1-D operands are unsqueezed around it, as
// torch.matmul).
// d/da = g b^T, d/db = a^T g; broadcast batch dims are summed back by the engine. When b is a
// plain matrix (a linear layer), d/db folds the batch into one GEMM: (B*T, K)^T (B*T, N).
// When b is a transposed view of a contiguous matrix (Linear's weight^T), d/db is computed as
// (g^T a)^T, so that the gradient reaching the weight is contiguous and its AccumulateGrad
// takes the buffer instead of copying it with a transposing gather (PyTorch's
// mm_mat2_backward does the same).
#include "liandan/core/matmul.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct MatmulBackward final : Node {
  MatmulBackward() : Node("MatmulBackward") {}
  SavedTensor a, b;
  bool b_transposed = false;  // b is a 2-D matrix whose transpose is contiguous
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    Tensor ga, gb;
    if (needs_input_grad(0)) ga = matmul(g[0], transpose(b.unpack(*this), -1, -2));
    if (needs_input_grad(1)) {
      const Tensor av = a.unpack(*this);
      const Shape b_shape = input_meta()[1].first;
      if (b_shape.size() == 2) {
        const Tensor a2 = av.dim() > 2 ? reshape(av, Shape{-1, av.size(-1)}) : av;
        const Tensor g2 = g[0].dim() > 2 ? reshape(g[0], Shape{-1, g[0].size(-1)}) : g[0];
        gb = b_transposed ? transpose(matmul(transpose(g2, 0, 1), a2), 0, 1)
                          : matmul(transpose(a2, 0, 1), g2);
      } else {
        gb = matmul(transpose(av, -1, -2), g[0]);
      }
    }
    return {ga, gb};
  }
  void release_saved() override { a.reset(), b.reset(); }
};

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_input(a, "matmul", "a");
  check_input(b, "matmul", "b");
  // 1-D operands as torch.matmul: a vector a is a row (1, K) and b a column (K, 1), whose
  // added dim is removed from the result; both vectors give the dot product, 0-d.
  if ((a.dim() == 1 && b.dim() >= 1) || (b.dim() == 1 && a.dim() >= 1)) {
    const std::int64_t k_a = a.size(-1), k_b = b.dim() == 1 ? b.size(0) : b.size(-2);
    check(k_a == k_b, "matmul: {} x {}: inner dimensions {} and {} differ", a.shape(), b.shape(),
          k_a, k_b);
    Tensor out = matmul(a.dim() == 1 ? unsqueeze(a, 0) : a, b.dim() == 1 ? unsqueeze(b, -1) : b);
    if (b.dim() == 1) out = squeeze(out, -1);
    if (a.dim() == 1) out = squeeze(out, b.dim() == 1 ? -1 : -2);
    return out;
  }
  Tensor out = make_result(core::matmul(a.data(), b.data()));
  if (auto node = record<MatmulBackward>({a, b}, {out})) {
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
    const core::Tensor& bd = b.data();
    node->b_transposed =
        b.dim() == 2 && bd.size(0) > 1 && bd.stride(0) == 1 && bd.stride(1) == bd.size(0);
  }
  return out;
}

}  // namespace liandan
