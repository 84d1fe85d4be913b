// relu: y = max(x, 0). d/dx = g [y != 0]: 0 at x <= 0, g at x = NaN (PyTorch's threshold
// backward, [y <= 0] ? 0 : g); the mask is a constant.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct ReluBackward final : Node {
  ReluBackward() : Node("ReluBackward") {}
  SavedTensor y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const core::Tensor yy = y.unpack(*this).data();
    return {mul(g[0], Tensor(core::ne(yy, 0.0).to(yy.dtype())))};
  }
  void release_saved() override { y.reset(); }
};

}  // namespace

Tensor relu(const Tensor& x) {
  check_input(x, "relu", "x");
  Tensor out = make_result(core::relu(x.data()));
  if (auto node = record<ReluBackward>({x}, {out})) node->y = SavedTensor(out, true);
  return out;
}

}  // namespace liandan
