// maximum / minimum of two tensors with broadcasting. The gradient goes to the larger (smaller)
// operand; ties split it in half, as PyTorch: for maximum
//   d/da = g ([a > b] + [a == b] / 2),  d/db = g ([a < b] + [a == b] / 2)
// The weights are constants; the engine sums them back to each input's shape.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct MaximumBackward final : Node {
  explicit MaximumBackward(bool is_max)
      : Node(is_max ? "MaximumBackward" : "MinimumBackward"), is_max(is_max) {}
  bool is_max;
  SavedTensor a, b;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const core::Tensor x = a.unpack(*this).data(), y = b.unpack(*this).data();
    const core::Tensor half_tie = core::mul(core::eq(x, y).to(x.dtype()), 0.5);
    auto weight = [&](const core::Tensor& wins) {
      return Tensor(core::add(wins.to(x.dtype()), half_tie));
    };
    Tensor ga, gb;
    if (needs_input_grad(0)) ga = mul(g[0], weight(is_max ? core::gt(x, y) : core::lt(x, y)));
    if (needs_input_grad(1)) gb = mul(g[0], weight(is_max ? core::lt(x, y) : core::gt(x, y)));
    return {ga, gb};
  }
  void release_saved() override { a.reset(), b.reset(); }
};

Tensor extreme(const Tensor& a, const Tensor& b, bool is_max) {
  Tensor out =
      make_result(is_max ? core::maximum(a.data(), b.data()) : core::minimum(a.data(), b.data()));
  if (auto node = record<MaximumBackward>({a, b}, {out}, is_max)) {
    node->a = SavedTensor(a, false);
    node->b = SavedTensor(b, false);
  }
  return out;
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
  check_input(a, "maximum", "a");
  check_input(b, "maximum", "b");
  return extreme(a, b, true);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  check_input(a, "minimum", "a");
  check_input(b, "minimum", "b");
  return extreme(a, b, false);
}

}  // namespace liandan
