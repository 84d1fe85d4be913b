// tanh: y = tanh(x). d/dx = g (1 - y^2) (the output is saved).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct TanhBackward final : Node {
  TanhBackward() : Node("TanhBackward") {}
  SavedTensor y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor yy = y.unpack(*this);
    return {mul(g[0], 1.0 - yy * yy)};
  }
  void release_saved() override { y.reset(); }
};

}  // namespace

Tensor tanh(const Tensor& x) {
  check_input(x, "tanh", "x");
  Tensor out = make_result(core::tanh(x.data()));
  if (auto node = record<TanhBackward>({x}, {out})) node->y = SavedTensor(out, true);
  return out;
}

}  // namespace liandan
