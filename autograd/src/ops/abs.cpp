// abs: y = |x|. d/dx = g sign(x) (0 at x = 0, as PyTorch). sign itself has a zero gradient
// almost everywhere, so it returns a tensor outside the graph.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct AbsBackward final : Node {
  AbsBackward() : Node("AbsBackward") {}
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {mul(g[0], sign(x.unpack(*this)))};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor abs(const Tensor& x) {
  check_input(x, "abs", "x");
  Tensor out = make_result(core::abs(x.data()));
  if (auto node = record<AbsBackward>({x}, {out})) node->x = SavedTensor(x, false);
  return out;
}

Tensor sign(const Tensor& x) {
  check_input(x, "sign", "x");
  return Tensor(core::sign(x.data()));
}

}  // namespace liandan
