// elu: y = x for x > 0, alpha (e^x - 1) otherwise. d/dx = g for x > 0, g alpha e^x otherwise.
// The exponential is taken of min(x, 0) only (selected, not masked by multiplying), so a large
// or infinite x cannot turn the unused branch into 0 * inf = NaN; a NaN x gives NaN, as PyTorch.
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct EluBackward final : Node {
  explicit EluBackward(double alpha) : Node("EluBackward"), alpha(alpha) {}
  double alpha;
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor xx = x.unpack(*this);
    // Without create_graph, one fused pass; otherwise the differentiable composition below.
    if (!GradMode::enabled()) return {Tensor(core::elu_backward(g[0].data(), xx.data(), alpha))};
    const Tensor pos(core::gt(xx.data(), 0.0));  // a constant mask
    const Tensor zero = scalar(0, {.dtype = xx.dtype()}), one = scalar(1, {.dtype = xx.dtype()});
    return {mul(g[0], where(pos, one, exp(where(pos, zero, xx)) * alpha))};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor elu(const Tensor& x, double alpha) {
  check_input(x, "elu", "x");
  Tensor out = make_result(core::elu(x.data(), alpha));
  if (auto node = record<EluBackward>({x}, {out}, alpha)) node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
