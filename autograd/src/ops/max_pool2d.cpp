// max_pool2d: y[n, c, p, q] = x[n, c, argmax over window (p, q)]. Piecewise a gather of x
// at a fixed index map, so with the index map A (flat positions in the (H, W) plane):
//   d/dx = scatter_add(0, A, g)   (differentiable: its own gradient is gather(h, A)).
// The map (core::max_pool2d_indices) is computed once, when a node is recorded.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/pool.hpp"

namespace liandan {
namespace {

struct MaxPool2dBackward final : Node {
  explicit MaxPool2dBackward(Shape input_shape)
      : Node("MaxPool2dBackward"), input_shape(input_shape) {}
  Shape input_shape;   // (N, C, H, W)
  SavedTensor argmax;  // (N, C, P * Q) i64, flat positions in the (H, W) plane
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const std::int64_t N = input_shape[0], C = input_shape[1];
    const Tensor zero = zeros({N, C, input_shape[2] * input_shape[3]}, {.dtype = g[0].dtype()});
    const Tensor gx =
        scatter_add(zero, 2, argmax.unpack(*this), reshape(g[0], {N, C, -1}));  // (N, C, H * W)
    return {reshape(gx, input_shape)};
  }
  void release_saved() override { argmax.reset(); }
};

}  // namespace

Tensor max_pool2d(const Tensor& x, const core::Pool2dOptions& options) {
  check_input(x, "max_pool2d", "x");
  Tensor out = make_result(core::max_pool2d(x.data(), options));
  if (auto node = record<MaxPool2dBackward>({x}, {out}, x.shape())) {
    const core::Tensor arg = core::max_pool2d_indices(x.data(), options);
    node->argmax = SavedTensor(Tensor(arg.view({x.size(0), x.size(1), -1})), false);
  }
  return out;
}

}  // namespace liandan
