// silu: y = x s(x), s = sigmoid. d/dx = g s (1 + x (1 - s)).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct SiluBackward final : Node {
  SiluBackward() : Node("SiluBackward") {}
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor xx = x.unpack(*this);
    const Tensor s = sigmoid(xx);
    return {mul(g[0], s * (1.0 + xx * (1.0 - s)))};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor silu(const Tensor& x) {
  check_input(x, "silu", "x");
  Tensor out = make_result(core::silu(x.data()));
  if (auto node = record<SiluBackward>({x}, {out})) node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
