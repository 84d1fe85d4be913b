// neg: -x. d/dx = -g.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct NegBackward final : Node {
  NegBackward() : Node("NegBackward") {}
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return {neg(g[0])}; }
};

}  // namespace

Tensor neg(const Tensor& x) {
  check_input(x, "neg", "x");
  Tensor out = make_result(core::neg(x.data()));
  record<NegBackward>({x}, {out});
  return out;
}

}  // namespace liandan
