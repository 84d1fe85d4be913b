// cumsum along dim: y_i = sum_{j <= i} x_j. d/dx_j = sum_{i >= j} g_i, a reversed cumsum,
// written without a flip as sum(g) - cumsum(g) + g (itself differentiable).
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

struct CumsumBackward final : Node {
  explicit CumsumBackward(std::int64_t dim) : Node("CumsumBackward"), dim(dim) {}
  std::int64_t dim;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    return {sum(g[0], {dim}, true) - cumsum(g[0], dim) + g[0]};
  }
};

}  // namespace

Tensor cumsum(const Tensor& x, std::int64_t dim) {
  check_input(x, "cumsum", "x");
  Tensor out = make_result(core::cumsum(x.data(), dim));
  record<CumsumBackward>({x}, {out}, dim);
  return out;
}

}  // namespace liandan
