// leaky_relu: y = x for x > 0, slope x otherwise. d/dx = g for x > 0, g slope otherwise (a
// constant factor, so the second derivative is zero).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct LeakyReluBackward final : Node {
  explicit LeakyReluBackward(double slope) : Node("LeakyReluBackward"), slope(slope) {}
  double slope;
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const core::Tensor xx = x.unpack(*this).data();
    const core::Tensor one = core::Tensor::scalar(1, xx.dtype());
    return {mul(g[0], Tensor(core::where(core::gt(xx, 0.0), one, slope)))};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  check_input(x, "leaky_relu", "x");
  Tensor out = make_result(core::leaky_relu(x.data(), negative_slope));
  if (auto node = record<LeakyReluBackward>({x}, {out}, negative_slope))
    node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
