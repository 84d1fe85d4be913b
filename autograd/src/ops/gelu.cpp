// gelu: y = x Phi(x), Phi the standard normal CDF; or its tanh approximation.
//   erf form:  Phi(x) = (1 + erf(x / sqrt2)) / 2,  d/dx = g (Phi(x) + x phi(x)),
//              phi(x) = e^(-x^2/2) / sqrt(2 pi)
//   tanh form: u = k (x + c x^3), t = tanh(u), y = x (1 + t) / 2,
//              d/dx = g ((1 + t) / 2 + x (1 - t^2) k (1 + 3 c x^2) / 2),  k = sqrt(2/pi)
#include <numbers>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan {
namespace {

using std::numbers::inv_sqrtpi, std::numbers::sqrt2;
constexpr double kSqrt1_2 = 1 / sqrt2;              // 1 / sqrt(2)
constexpr double kInvSqrt2Pi = inv_sqrtpi / sqrt2;  // 1 / sqrt(2 pi)
constexpr double kSqrt2_Pi = sqrt2 * inv_sqrtpi;    // k = sqrt(2 / pi)
constexpr double kC = 0.044715;

struct GeluBackward final : Node {
  explicit GeluBackward(GeluApprox approx) : Node("GeluBackward"), approx(approx) {}
  GeluApprox approx;
  SavedTensor x;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override {
    const Tensor xx = x.unpack(*this);
    // Without create_graph, one fused pass; otherwise the differentiable composition below.
    if (!GradMode::enabled()) return {Tensor(core::gelu_backward(g[0].data(), xx.data(), approx))};
    if (approx == GeluApprox::tanh) {
      const Tensor x2 = xx * xx;
      const Tensor t = tanh(xx * (x2 * kC + 1.0) * kSqrt2_Pi);
      const Tensor dt = (1.0 - t * t) * (x2 * (3 * kC) + 1.0) * kSqrt2_Pi;  // d tanh(u) / dx
      return {mul(g[0], (1.0 + t + xx * dt) * 0.5)};
    }
    const Tensor cdf = (erf(xx * kSqrt1_2) + 1.0) * 0.5;
    const Tensor pdf = exp(xx * xx * -0.5) * kInvSqrt2Pi;
    return {mul(g[0], cdf + xx * pdf)};
  }
  void release_saved() override { x.reset(); }
};

}  // namespace

Tensor gelu(const Tensor& x, GeluApprox approx) {
  check_input(x, "gelu", "x");
  Tensor out = make_result(core::gelu(x.data(), approx));
  if (auto node = record<GeluBackward>({x}, {out}, approx)) node->x = SavedTensor(x, false);
  return out;
}

}  // namespace liandan
