// add / sub: a ± b with broadcasting; gradients pass through (the engine un-broadcasts them).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct AddBackward final : Node {
  explicit AddBackward(double sign_b)
      : Node(sign_b > 0 ? "AddBackward" : "SubBackward"), sign_b(sign_b) {}
  double sign_b;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {g[0], needs_input_grad(1) ? (sign_b > 0 ? g[0] : neg(g[0])) : Tensor()};
  }
};

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  check_input(a, "add", "a");
  check_input(b, "add", "b");
  Tensor out = make_result(core::add(a.data(), b.data()));
  record<AddBackward>({a, b}, {out}, 1.0);
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  check_input(a, "sub", "a");
  check_input(b, "sub", "b");
  Tensor out = make_result(core::sub(a.data(), b.data()));
  record<AddBackward>({a, b}, {out}, -1.0);
  return out;
}

}  // namespace liandan
