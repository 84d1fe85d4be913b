// erf: y = 2/sqrt(pi) int_0^x e^(-t^2) dt. d/dx = g 2/sqrt(pi) e^(-x^2).
#include <numbers>

#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct ErfBackward final : Node {
  ErfBackward() : Node("ErfBackward") {}
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor xx = x.unpack(*this);
    return {mul(g[0], exp(-(xx * xx)) * std::numbers::inv_sqrtpi * 2.0)};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor erf(const Tensor& x) {
  check_input(x, "erf", "x");
  Tensor out = make_result(core::erf(x.data()));
  if (auto node = record<ErfBackward>({x}, {out})) node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
