// pow with a scalar exponent p: d/dx = g p x^(p-1) (zeros for p = 0).
// pow of two tensors, y = a^b with broadcasting, as PyTorch's pow_backward_self/_exponent:
//   d/da = g b a^(b-1), 0 where b = 0          (not 0 * a^-1 = NaN at a = 0)
//   d/db = g y log(a),  0 where a = 0, b >= 0  (not 0 * log 0 = NaN; log(a) is NaN for a < 0)
// The masks select (where), so the replaced value is never multiplied in.
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
    const Tensor aa = a.unpack(*this), bb = b.unpack(*this);
    const Tensor zero = scalar(0, {.dtype = aa.dtype()});
    Tensor ga, gb;
    if (needs_input_grad(0)) {
      const Tensor b_zero(core::eq(bb.data(), 0.0));  // constant masks
      ga = where(b_zero, zero, mul(g[0], bb * pow(aa, bb - 1.0)));
    }
    if (needs_input_grad(1)) {
      const Tensor a_zero(core::logical_and(core::eq(aa.data(), 0.0), core::ge(bb.data(), 0.0)));
      gb = mul(g[0], where(a_zero, zero, y.unpack(*this) * log(aa)));
    }
    return {ga, gb};
  }
  void release_saved() override { a.reset(), b.reset(), y.reset(); }
};

}  // namespace

Tensor pow(const Tensor& x, double exponent) {
  check_input(x, "pow", "x");
  Tensor out = make_result(core::pow(x.data(), exponent));
  if (auto node = record<PowScalarBackward>({x}, {out}, exponent)) node->x = SavedTensor(x, false);
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  check_input(a, "pow", "a");
  check_input(b, "pow", "b");
  Tensor out = make_result(core::pow(a.data(), b.data()));
  if (auto node = record<PowBackward>({a, b}, {out})) {
    node->a = SavedTensor(a, false);
    node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->y = SavedTensor(out, true);
  }
  return out;
}

}  // namespace liandan
