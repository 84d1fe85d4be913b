// conv2d and its two adjoints, three primitives whose backwards are each other.
//
// Note [Convolution adjoints]: y = conv2d(x, w) is bilinear, <y, g> = <x, A_w^T g> =
// <w, B_x^T g>, with conv2d_input_grad(g, w) = A_w^T g and conv2d_weight_grad(g, x) = B_x^T g.
//   conv2d(x, w):                  d/dx = input_grad(g, w)       d/dw = weight_grad(g, x)
//   input_grad(g, w), upstream h:  <h, A_w^T g> = <conv2d(h, w), g>
//                                  d/dg = conv2d(h, w)           d/dw = weight_grad(g, h)
//   weight_grad(g, x), upstream h: <h, B_x^T g> = <conv2d(x, h), g>
//                                  d/dg = conv2d(x, h)           d/dx = input_grad(g, h)
// so the set is closed under differentiation: gradients of any order are convolutions.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

using core::Conv2dOptions;

struct Conv2dBackward final : Node {
  explicit Conv2dBackward(const Conv2dOptions& o) : Node("Conv2dBackward"), o(o) {}
  Conv2dOptions o;
  SavedTensor x, w;  // x (N, C, H, W), w (O, C/groups, kH, kW)
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    Tensor gx, gw, gb;
    if (needs_input_grad(0))
      gx = conv2d_input_grad(g[0], w.unpack(*this), input_meta()[0].first, o);
    if (needs_input_grad(1))
      gw = conv2d_weight_grad(g[0], x.unpack(*this), input_meta()[1].first, o);
    if (needs_input_grad(2)) gb = sum(g[0], {0, 2, 3});  // (O)
    return {gx, gw, gb};
  }
  void release_saved() override { x.reset(), w.reset(); }
};

struct Conv2dInputGradBackward final : Node {
  explicit Conv2dInputGradBackward(const Conv2dOptions& o)
      : Node("Conv2dInputGradBackward"), o(o) {}
  Conv2dOptions o;
  SavedTensor grad_out, w;  // (N, O, H', W'), (O, C/groups, kH, kW)
  std::vector<Tensor> backward(const std::vector<Tensor>& h) override {
    Tensor gg, gw;
    if (needs_input_grad(0)) gg = conv2d(h[0], w.unpack(*this), {}, o);
    if (needs_input_grad(1))
      gw = conv2d_weight_grad(grad_out.unpack(*this), h[0], input_meta()[1].first, o);
    return {gg, gw};
  }
  void release_saved() override { grad_out.reset(), w.reset(); }
};

struct Conv2dWeightGradBackward final : Node {
  explicit Conv2dWeightGradBackward(const Conv2dOptions& o)
      : Node("Conv2dWeightGradBackward"), o(o) {}
  Conv2dOptions o;
  SavedTensor grad_out, x;  // (N, O, H', W'), (N, C, H, W)
  std::vector<Tensor> backward(const std::vector<Tensor>& h) override {
    Tensor gg, gx;
    if (needs_input_grad(0)) gg = conv2d(x.unpack(*this), h[0], {}, o);
    if (needs_input_grad(1))
      gx = conv2d_input_grad(grad_out.unpack(*this), h[0], input_meta()[1].first, o);
    return {gg, gx};
  }
  void release_saved() override { grad_out.reset(), x.reset(); }
};

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dOptions& options) {
  check_input(x, "conv2d", "x");
  check_input(weight, "conv2d", "weight");
  const core::Tensor b = bias.defined() ? bias.data() : core::Tensor();
  Tensor out = make_result(core::conv2d(x.data(), weight.data(), b, options));
  if (auto node = record<Conv2dBackward>({x, weight, bias}, {out}, options)) {
    if (node->needs_input_grad(0)) node->w = SavedTensor(weight, false);
    if (node->needs_input_grad(1)) node->x = SavedTensor(x, false);
  }
  return out;
}

Tensor conv2d_input_grad(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape,
                         const Conv2dOptions& options) {
  check_input(grad_out, "conv2d_input_grad", "grad_out");
  check_input(weight, "conv2d_input_grad", "weight");
  Tensor out = make_result(
      core::conv2d_backward_input(grad_out.data(), weight.data(), input_shape, options));
  if (auto node = record<Conv2dInputGradBackward>({grad_out, weight}, {out}, options)) {
    if (node->needs_input_grad(0)) node->w = SavedTensor(weight, false);
    if (node->needs_input_grad(1)) node->grad_out = SavedTensor(grad_out, false);
  }
  return out;
}

Tensor conv2d_weight_grad(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                          const Conv2dOptions& options) {
  check_input(grad_out, "conv2d_weight_grad", "grad_out");
  check_input(x, "conv2d_weight_grad", "x");
  Tensor out =
      make_result(core::conv2d_backward_weight(grad_out.data(), x.data(), weight_shape, options));
  if (auto node = record<Conv2dWeightGradBackward>({grad_out, x}, {out}, options)) {
    if (node->needs_input_grad(0)) node->x = SavedTensor(x, false);
    if (node->needs_input_grad(1)) node->grad_out = SavedTensor(grad_out, false);
  }
  return out;
}

}  // namespace liandan
