// amax / amin over dims. The gradient is shared evenly among the elements equal to the extreme
// (as torch.amax): d/dx = g [x == y] / count, count = how many tie in x's reduced group. The
// weights are constants, so the second derivative is zero.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct AmaxBackward final : Node {
  AmaxBackward(const char* name, DimList dims, Shape kept_shape)
      : Node(name), dims(dims), kept_shape(kept_shape) {}
  DimList dims;
  Shape kept_shape;  // the result with reduced dims as 1
  SavedTensor x, y;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const core::Tensor xx = x.unpack(*this).data();
    const core::Tensor yy = y.unpack(*this).data().reshape(kept_shape);
    const core::Tensor ties = core::eq(xx, yy).to(xx.dtype());
    const Tensor weight(core::div(ties, core::sum(ties, dims, true)));
    return {mul(reshape(g[0], kept_shape), weight)};
  }
  void release_saved() override { x.reset(), y.reset(); }
};

Tensor extreme(const Tensor& x, const DimList& dims, bool keepdim, bool is_max) {
  Tensor out = make_result(is_max ? core::amax(x.data(), dims, keepdim)
                                  : core::amin(x.data(), dims, keepdim));
  if (auto node = record<AmaxBackward>({x}, {out}, is_max ? "AmaxBackward" : "AminBackward", dims,
                                       core::reduced_shape(x.shape(), dims, true))) {
    node->x = SavedTensor(x, false);
    node->y = SavedTensor(out, true);
  }
  return out;
}

}  // namespace

Tensor amax(const Tensor& x, const DimList& dims, bool keepdim) {
  check_input(x, "amax", "x");
  return extreme(x, dims, keepdim, true);
}
Tensor amin(const Tensor& x, const DimList& dims, bool keepdim) {
  check_input(x, "amin", "x");
  return extreme(x, dims, keepdim, false);
}

}  // namespace liandan
