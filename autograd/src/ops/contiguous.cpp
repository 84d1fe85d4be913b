// contiguous / clone (a copy with identity gradient) and to(dtype) (gradient converted back).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct CloneBackward final : Node {
  CloneBackward() : Node("CloneBackward") {}
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return {g[0]}; }
};

struct ToBackward final : Node {
  explicit ToBackward(DType from) : Node("ToBackward"), from(from) {}
  DType from;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return {to(g[0], from)}; }
};

}  // namespace

Tensor clone(const Tensor& x) {
  check_input(x, "clone", "x");
  Tensor out = make_result(x.data().clone());
  record<CloneBackward>({x}, {out});
  return out;
}

Tensor contiguous(const Tensor& x) {
  check_input(x, "contiguous", "x");
  return x.data().is_contiguous() ? x : clone(x);
}

Tensor to(const Tensor& x, DType dtype) {
  check_input(x, "to", "x");
  if (x.dtype() == dtype) return x;
  Tensor out = make_result(x.data().to(dtype));
  if (is_floating(dtype)) record<ToBackward>({x}, {out}, x.dtype());
  return out;
}

}  // namespace liandan
