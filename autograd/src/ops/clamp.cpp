// clamp: y = min(max(x, lo), hi). d/dx = g [lo <= x <= hi] (a constant mask, as PyTorch).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct ClampBackward final : Node {
  ClampBackward(double min, double max) : Node("ClampBackward"), min(min), max(max) {}
  double min, max;
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const core::Tensor xx = x.unpack(*this).data();
    const core::Tensor inside = core::logical_and(core::ge(xx, min), core::le(xx, max));
    return {mul(g[0], Tensor(inside.to(xx.dtype())))};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor clamp(const Tensor& x, double min, double max) {
  check_input(x, "clamp", "x");
  Tensor out = make_result(core::clamp(x.data(), min, max));
  if (auto node = record<ClampBackward>({x}, {out}, min, max)) node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
