// p-norm over dims, n = (sum |x|^p)^(1/p) (p = inf: max |x|, composed of amax and abs).
// d/dx follows PyTorch's norm_backward (torch/csrc/autograd/FunctionsManual.cpp), including its
// subgradient 0 where the norm is 0 (composing sqrt(sum x^2) would give 0 * inf = NaN there,
// and one such sample in a gradient penalty turns every weight gradient into NaN):
//   p = 1:      g sign(x)
//   p = 2:      g x / n,                          0 where n = 0
//   p < 1:      g sign(x) |x|^(p-1) n^(1-p),      |x|^(p-1) taken as 0 where x = 0
//   1 < p < 2:  sign(x) |x|^(p-1) g / n^(p-1),    0 where n = 0
//   p > 2:      x |x|^(p-2) g / n^(p-1),          0 where n = 0
// The masks select (where), so the value replaced is never multiplied in; the formulas are
// recorded ops, so the norm can be differentiated again (n is this node's saved output).
#include <cmath>

#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct NormBackward final : Node {
  NormBackward(double p, Shape kept_shape) : Node("NormBackward"), p(p), kept_shape(kept_shape) {}
  double p;
  Shape kept_shape;  // the result with reduced dims as 1
  SavedTensor x, n;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor xx = x.unpack(*this), nn = reshape(n.unpack(*this), kept_shape);
    const Tensor gg = reshape(g[0], kept_shape);
    const Tensor zero = scalar(0, {.dtype = xx.dtype()});
    const Tensor n_zero(core::eq(nn.data(), 0.0));  // constant masks
    if (p == 1) return {sign(xx) * gg};
    if (p == 2) return {gg * where(n_zero, zero, xx / nn)};
    if (p < 1) {
      const Tensor x_zero(core::eq(xx.data(), 0.0));
      const Tensor scaled = sign(xx) * where(x_zero, zero, pow(abs(xx), p - 1));
      return {scaled * gg * pow(nn, 1 - p)};
    }
    const Tensor scaled = p < 2 ? sign(xx) * pow(abs(xx), p - 1) : xx * pow(abs(xx), p - 2);
    return {scaled * where(n_zero, zero, gg / pow(nn, p - 1))};
  }
  void release_saved() override { x.reset(), n.reset(); }
};

}  // namespace

Tensor norm(const Tensor& x, double p, const DimList& dims, bool keepdim) {
  check_input(x, "norm", "x");
  check(is_floating(x.dtype()), "norm: expected a floating tensor, got {} {}", x.shape(),
        x.dtype());
  check(p > 0, "norm: p must be positive, got {}", p);
  if (std::isinf(p)) return amax(abs(x), dims, keepdim);
  Tensor out = make_result(core::norm(x.data(), p, dims, keepdim));
  if (auto node = record<NormBackward>({x}, {out}, p, core::reduced_shape(x.shape(), dims, true))) {
    node->x = SavedTensor(x, false);
    node->n = SavedTensor(out, true);
  }
  return out;
}

}  // namespace liandan
