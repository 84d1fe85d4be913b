// softplus: y = log(1 + e^(beta x)) / beta, and y = x where beta x > threshold (as PyTorch).
// d/dx = g sigmoid(beta x) below the threshold, g above it.
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct SoftplusBackward final : Node {
  SoftplusBackward(double beta, double threshold)
      : Node("SoftplusBackward"), beta(beta), threshold(threshold) {}
  double beta, threshold;
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor bx = x.unpack(*this) * beta;
    const Tensor above(core::gt(bx.data(), threshold).to(bx.dtype()));  // constant masks
    const Tensor below(core::le(bx.data(), threshold).to(bx.dtype()));
    return {mul(g[0], above + below * sigmoid(bx))};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor softplus(const Tensor& x, double beta, double threshold) {
  check_input(x, "softplus", "x");
  Tensor out = make_result(core::softplus(x.data(), beta, threshold));
  if (auto node = record<SoftplusBackward>({x}, {out}, beta, threshold))
    node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
