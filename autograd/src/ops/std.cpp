// Standard deviation over dims, s = sqrt(var(x)) with var = sum((x - mean)^2) / dof,
// dof = max(n - correction, 0). d/dx follows PyTorch's std_backward: the gradient of var,
// (2 / dof) (x - mean) gv, at gv = g / (2 s), taken as 0 where s = 0 (a constant group, where
// composing sqrt(var) would give 0 * inf = NaN). Recorded ops: differentiable again.
#include <algorithm>

#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct StdBackward final : Node {
  StdBackward(DimList dims, Shape kept_shape, double dof)
      : Node("StdBackward"), dims(dims), kept_shape(kept_shape), dof(dof) {}
  DimList dims;
  Shape kept_shape;  // the result with reduced dims as 1
  double dof;
  SavedTensor x, s;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor xx = x.unpack(*this), ss = reshape(s.unpack(*this), kept_shape);
    const Tensor zero = scalar(0, {.dtype = xx.dtype()});
    const Tensor gv =
        where(Tensor(core::eq(ss.data(), 0.0)), zero, reshape(g[0], kept_shape) / (ss * 2.0));
    return {gv * (xx - mean(xx, dims, true)) * (2.0 / dof)};
  }
  void release_saved() override { x.reset(), s.reset(); }
};

}  // namespace

Tensor std(const Tensor& x, const DimList& dims, double correction, bool keepdim) {
  check_input(x, "std", "x");
  check(is_floating(x.dtype()), "std: expected a floating tensor, got {} {}", x.shape(), x.dtype());
  Tensor out = make_result(core::std(x.data(), dims, correction, keepdim));
  const Shape kept = core::reduced_shape(x.shape(), dims, true);
  const double dof = std::max(
      static_cast<double>(x.numel() / std::max<std::int64_t>(kept.numel(), 1)) - correction, 0.0);
  if (auto node = record<StdBackward>({x}, {out}, dims, kept, dof)) {
    node->x = SavedTensor(x, false);
    node->s = SavedTensor(out, true);
  }
  return out;
}

}  // namespace liandan
