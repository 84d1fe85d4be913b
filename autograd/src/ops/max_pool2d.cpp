// max_pool2d: y[n, c, p, q] = x[n, c, argmax over window (p, q)]. Piecewise a gather of x
// at a fixed index map, so with the index map A (flat positions in the (H, W) plane):
//   d/dx = scatter_add(0, A, g)   (differentiable: its own gradient is gather(h, A)).
// The map is computed once, when a node is recorded.
#include <limits>

#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/elementwise.hpp"

namespace liandan {
namespace {

using core::Pool2dOptions;

// Flat position h * W + w in the (H, W) plane of the first maximum of every window, in row-major
// window order as core::max_pool2d (NaN windows aside): (N, C, P, Q) i64. y = max_pool2d(x).
// One strided view of the padded input per kernel tap (R * S elementwise passes, no copies of
// windows); taps run in reverse so that the last match written is the first in the window.
core::Tensor window_argmax(const core::Tensor& x, const core::Tensor& y, const Pool2dOptions& o) {
  const std::int64_t H = x.size(2), W = x.size(3), P = y.size(2), Q = y.size(3);
  const core::Pair stride = o.stride == core::Pair{0, 0} ? o.kernel : o.stride;
  const auto [ph, pw] = o.padding;
  core::Tensor xp = x;  // (N, C, H + 2 ph, W + 2 pw), padded with -inf
  if (ph > 0 || pw > 0) {
    xp = core::Tensor::full({x.size(0), x.size(1), H + 2 * ph, W + 2 * pw},
                            -std::numeric_limits<double>::infinity(), x.dtype());
    xp.narrow(2, ph, H).narrow(3, pw, W).copy_(x);
  }
  const auto top = core::sub(core::mul(core::Tensor::arange(0, P, 1, DType::i64), stride[0]), ph)
                       .view({P, 1});  // (P, 1) first row of each window
  const auto left = core::sub(core::mul(core::Tensor::arange(0, Q, 1, DType::i64), stride[1]), pw)
                        .view({1, Q});  // (1, Q) first column
  core::Tensor arg = core::Tensor::zeros(y.shape(), DType::i64);
  for (std::int64_t r = o.kernel[0] - 1; r >= 0; --r) {
    for (std::int64_t s = o.kernel[1] - 1; s >= 0; --s) {
      const core::Tensor h = core::add(top, r), w = core::add(left, s);  // (P, 1), (1, Q)
      const core::Tensor inside =
          core::logical_and(core::logical_and(core::ge(h, 0), core::lt(h, H)),
                            core::logical_and(core::ge(w, 0), core::lt(w, W)));
      const core::Tensor tap = xp.slice(2, r, r + (P - 1) * stride[0] + 1, stride[0])
                                   .slice(3, s, s + (Q - 1) * stride[1] + 1, stride[1]);
      const core::Tensor hit = core::logical_and(core::eq(tap, y), inside);  // (N, C, P, Q)
      arg = core::where(hit, core::add(core::mul(h, W), w), arg);
    }
  }
  return arg;
}

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

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options) {
  Tensor out = make_result(core::max_pool2d(x.data(), options));
  if (auto node = record<MaxPool2dBackward>({x}, {out}, x.shape())) {
    const core::Tensor arg = window_argmax(x.data(), out.data(), options);
    node->argmax = SavedTensor(Tensor(arg.view({x.size(0), x.size(1), -1})), false);
  }
  return out;
}

}  // namespace liandan
