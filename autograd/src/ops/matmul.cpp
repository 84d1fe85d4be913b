// matmul (both operands at least 2-D here; 1-D operands are unsqueezed around it).
// d/da = g b^T, d/db = a^T g; broadcast batch dims are summed back by the engine. When b is a
// plain matrix (a linear layer), d/db folds the batch into one GEMM: (B*T, K)^T (B*T, N).
#include "liandan/core/matmul.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct MatmulBackward final : Node {
  MatmulBackward() : Node("MatmulBackward") {}
  SavedTensor a, b;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    Tensor ga, gb;
    if (needs_input_grad(0)) ga = matmul(g[0], transpose(b.unpack(*this), -1, -2));
    if (needs_input_grad(1)) {
      const Tensor av = a.unpack(*this);
      const Shape b_shape = input_meta()[1].first;
      if (b_shape.size() == 2 && av.dim() > 2) {
        gb = matmul(transpose(reshape(av, Shape{-1, av.size(-1)}), 0, 1),
                    reshape(g[0], Shape{-1, g[0].size(-1)}));
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
  check(a.defined() && b.defined(), "matmul: undefined tensor");
  if (a.dim() == 1 && b.dim() >= 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1 && a.dim() >= 2) return squeeze(matmul(a, unsqueeze(b, -1)), -1);
  Tensor out = make_result(core::matmul(a.data(), b.data()));
  if (auto node = record<MatmulBackward>({a, b}, {out})) {
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

}  // namespace liandan
