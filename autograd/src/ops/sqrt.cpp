// sqrt: y = x^(1/2). d/dx = g / (2 y) (the output is saved). rsqrt is composed: 1 / sqrt(x).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct SqrtBackward final : Node {
  SqrtBackward() : Node("SqrtBackward") {}
  SavedTensor y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {div(g[0], mul(y.unpack(*this), 2.0))};
  }
  void release_saved() override { y.reset(); }
};

}  // namespace

Tensor sqrt(const Tensor& x) {
  check_input(x, "sqrt", "x");
  Tensor out = make_result(core::sqrt(x.data()));
  if (auto node = record<SqrtBackward>({x}, {out})) node->y = SavedTensor(out, true);
  return out;
}

Tensor rsqrt(const Tensor& x) {
  check_input(x, "rsqrt", "x");
  return 1.0 / sqrt(x);
}

}  // namespace liandan
