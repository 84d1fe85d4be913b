// sigmoid: y = 1 / (1 + e^-x). d/dx = g y (1 - y) (the output is saved).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct SigmoidBackward final : Node {
  SigmoidBackward() : Node("SigmoidBackward") {}
  SavedTensor y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor yy = y.unpack(*this);
    return {mul(g[0], yy * (1.0 - yy))};
  }
  void release_saved() override { y.reset(); }
};

}  // namespace

Tensor sigmoid(const Tensor& x) {
  check_input(x, "sigmoid", "x");
  Tensor out = make_result(core::sigmoid(x.data()));
  if (auto node = record<SigmoidBackward>({x}, {out})) node->y = SavedTensor(out, true);
  return out;
}

}  // namespace liandan
