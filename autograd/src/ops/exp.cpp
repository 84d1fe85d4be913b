// exp: y = e^x. d/dx = g y (the output is saved, not the input).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct ExpBackward final : Node {
  ExpBackward() : Node("ExpBackward") {}
  SavedTensor y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {mul(g[0], y.unpack(*this))};
  }
  void release_saved() override { y.reset(); }
};

}  // namespace

Tensor exp(const Tensor& x) {
  check_input(x, "exp", "x");
  Tensor out = make_result(core::exp(x.data()));
  if (auto node = record<ExpBackward>({x}, {out})) node->y = SavedTensor(out, true);
  return out;
}

}  // namespace liandan
