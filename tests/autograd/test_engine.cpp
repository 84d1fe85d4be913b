// The engine: gradients, accumulation, grad(), double backward, errors, hooks, memory.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"

using namespace liandan;

TEST_CASE("backward: d/dx and d/dy of x*y + exp(x) accumulate into leaves") {
  const Tensor x = tensor<double>({0.5, -1.0}, {2}, true);
  const Tensor y = tensor<double>({2.0, 3.0}, {2}, true);
  sum(x * y + exp(x)).backward();
  const auto gx = x.grad().to_vector<double>(), gy = y.grad().to_vector<double>();
  CHECK(gx[0] == doctest::Approx(2.0 + std::exp(0.5)));
  CHECK(gx[1] == doctest::Approx(3.0 + std::exp(-1.0)));
  CHECK(gy == std::vector<double>{0.5, -1.0});
  sum(x * y).backward();  // accumulates
  CHECK(y.grad().to_vector<double>() == std::vector<double>{1.0, -2.0});
}

TEST_CASE("gradcheck and gradgradcheck: mul, div, exp, log, matmul with broadcasting") {
  const Tensor a = randn({3, 1, 4}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor b = randn({5, 4}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor w = randn({4, 2}, {.dtype = DType::f64, .requires_grad = true});
  auto f = [](const std::vector<Tensor>& in) {
    const Tensor h = log(exp(in[0] * in[1]) + 1.0) / (in[1] * in[1] + 1.0) - in[0];
    return std::vector<Tensor>{matmul(h, in[2])};
  };
  const auto r1 = autograd::gradcheck(f, {a, b, w});
  CHECK_MESSAGE(r1.ok, r1.message);
  const auto r2 = autograd::gradgradcheck(f, {a, b, w});
  CHECK_MESSAGE(r2.ok, r2.message);
}
