// pow with a scalar exponent p: d/dx = g p x^(p-1) (zeros for p = 0).
// pow of two tensors, y = a^b with broadcasting, for a > 0:
//   d/da = g b a^(b-1),  d/db = g y log(a)  (log(a) is NaN for a < 0, as in PyTorch)
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct PowScalarBackward final : Node {
  explicit PowScalarBackward(double p) : Node("PowScalarBackward"), p(p) {}
  double p;
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    if (p == 0) {  // zeros, not undefined: x.grad is defined, as PyTorch's zeros_like
      const auto& [shape, dtype] = input_meta()[0];
      return {zeros(shape, {.dtype = dtype})};
    }
    return {mul(g[0], pow(x.unpack(*this), p - 1) * p)};
  }
  void release_saved() override { x.reset(); }
};

struct PowBackward final : Node {
  PowBackward() : Node("PowBackward") {}
  SavedTensor a, b, y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor aa = a.unpack(*this);
    Tensor ga, gb;
    if (needs_input_grad(0)) {
      const Tensor bb = b.unpack(*this);
      ga = mul(g[0], bb * pow(aa, bb - 1.0));
    }
    if (needs_input_grad(1)) gb = mul(g[0], y.unpack(*this) * log(aa));
    return {ga, gb};
  }
  void release_saved() override { a.reset(), b.reset(), y.reset(); }
};

}  // namespace

Tensor pow(const Tensor& x, double exponent) {
  Tensor out = make_result(core::pow(x.data(), exponent));
  if (auto node = record<PowScalarBackward>({x}, {out}, exponent)) node->x = SavedTensor(x, false);
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = make_result(core::pow(a.data(), b.data()));
  if (auto node = record<PowBackward>({a, b}, {out})) {
    node->a = SavedTensor(a, false);
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->y = SavedTensor(out, true);
  }
  return out;
}

}  // namespace liandan
