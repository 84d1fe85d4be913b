// mul: a * b with broadcasting. d/da = g b, d/db = g a.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct MulBackward final : Node {
  MulBackward() : Node("MulBackward") {}
  SavedTensor a, b;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {needs_input_grad(0) ? mul(g[0], b.unpack(*this)) : Tensor(),
            needs_input_grad(1) ? mul(g[0], a.unpack(*this)) : Tensor()};
  }
  void release_saved() override { a.reset(), b.reset(); }
};

}  // namespace

Tensor mul(const Tensor& a, const Tensor& b) {
  check_input(a, "mul", "a");
  check_input(b, "mul", "b");
  Tensor out = make_result(core::mul(a.data(), b.data()));
  if (auto node = record<MulBackward>({a, b}, {out})) {
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

}  // namespace liandan
