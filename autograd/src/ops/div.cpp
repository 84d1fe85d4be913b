// div: a / b with broadcasting. d/da = g / b, d/db = -g a / b^2.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct DivBackward final : Node {
  DivBackward() : Node("DivBackward") {}
  SavedTensor a, b;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor bb = b.unpack(*this);
    Tensor ga, gb;
    if (needs_input_grad(0)) ga = div(g[0], bb);
    if (needs_input_grad(1)) gb = neg(div(mul(g[0], a.unpack(*this)), mul(bb, bb)));
    return {ga, gb};
  }
  void release_saved() override { a.reset(), b.reset(); }
};

}  // namespace

Tensor div(const Tensor& a, const Tensor& b) {
  check_input(a, "div", "a");
  check_input(b, "div", "b");
  Tensor out = make_result(core::div(a.data(), b.data()));
  if (auto node = record<DivBackward>({a, b}, {out})) {
    node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

}  // namespace liandan
