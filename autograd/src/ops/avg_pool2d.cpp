// avg_pool2d: y = A x with A a fixed averaging matrix, so d/dx = A^T g. A^T (the core backward
// kernel) is wrapped as a differentiable op whose own gradient is A again: any order works.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

using core::Pool2dOptions;

Tensor avg_pool2d_adjoint(const Tensor& g, const Shape& input_shape, const Pool2dOptions& o);

// y = A x: d/dx = A^T g.
struct AvgPool2dBackward final : Node {
  AvgPool2dBackward(Shape input_shape, const Pool2dOptions& o)
      : Node("AvgPool2dBackward"), input_shape(input_shape), o(o) {}
  Shape input_shape;  // (N, C, H, W)
  Pool2dOptions o;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {avg_pool2d_adjoint(g[0], input_shape, o)};
  }
};

// z = A^T g: d/dg = A h.
struct AvgPool2dAdjointBackward final : Node {
  explicit AvgPool2dAdjointBackward(const Pool2dOptions& o)
      : Node("AvgPool2dAdjointBackward"), o(o) {}
  Pool2dOptions o;
  std::vector<Tensor> backward(const std::vector<Tensor>& h) override {
    return {avg_pool2d(h[0], o)};
  }
};

Tensor avg_pool2d_adjoint(const Tensor& g, const Shape& input_shape, const Pool2dOptions& o) {
  Tensor out = make_result(core::avg_pool2d_backward(g.data(), input_shape, o));
  record<AvgPool2dAdjointBackward>({g}, {out}, o);
  return out;
}

}  // namespace

Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options) {
  check_input(x, "avg_pool2d", "x");
  Tensor out = make_result(core::avg_pool2d(x.data(), options));
  record<AvgPool2dBackward>({x}, {out}, x.shape(), options);
  return out;
}

}  // namespace liandan
