// permute: the gradient is permuted back by the inverse permutation.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "view_marking.hpp"

namespace liandan {
namespace {

struct PermuteBackward final : Node {
  explicit PermuteBackward(Dims inverse) : Node("PermuteBackward"), inverse(inverse) {}
  Dims inverse;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {permute(g[0], inverse)};
  }
};

}  // namespace

Tensor permute(const Tensor& x, const Dims& dims) {
  check_input(x, "permute", "x");
  Tensor out = make_result(x.data().permute(dims.span()));
  if (needs_grad({&x})) {
    Dims inverse = Dims::filled(dims.size(), 0);
    for (int i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], x.dim(), "permute")] = i;
    record<PermuteBackward>({x}, {out}, inverse);
  }
  return mark_view(out, x);
}

Tensor transpose(const Tensor& x, std::int64_t d0, std::int64_t d1) {
  check_input(x, "transpose", "x");
  Dims dims = Dims::filled(x.dim(), 0);
  for (int i = 0; i < x.dim(); ++i) dims[i] = i;
  if (x.dim() > 0)
    std::swap(dims[wrap_dim(d0, x.dim(), "transpose")], dims[wrap_dim(d1, x.dim(), "transpose")]);
  return permute(x, dims);
}

}  // namespace liandan
