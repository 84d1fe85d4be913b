// The ten-line example of README ("The tape"), kept compiling and true.
#include <doctest/doctest.h>

#include <cmath>

#include "liandan/autograd/autograd.hpp"

using namespace liandan;

TEST_CASE("README: a custom function, its gradient and its gradient of a gradient") {
  // f(x, y) = sum(x * exp(y) + y * y) / 2
  auto f = [](const Tensor& x, const Tensor& y) { return sum(x * exp(y) + y * y) / 2.0; };
  Tensor x = tensor<double>({1, 2}, {2}, /*requires_grad=*/true);
  Tensor y = tensor<double>({0, 1}, {2}, true);
  auto g = autograd::grad({f(x, y)}, {x, y}, {}, {.create_graph = true});
  // g[0] = df/dx = exp(y) / 2,  g[1] = df/dy = x exp(y) / 2 + y
  Tensor ggy = autograd::grad({sum(g[1])}, {y})[0];  // d/dy sum(df/dy) = x exp(y) / 2 + 1
  CHECK(g[0].to_vector<double>()[1] == doctest::Approx(std::exp(1.0) / 2));
  CHECK(g[1].to_vector<double>()[1] == doctest::Approx(std::exp(1.0) + 1));
  CHECK(ggy.to_vector<double>()[0] == doctest::Approx(1.5));
  CHECK(ggy.to_vector<double>()[1] == doctest::Approx(std::exp(1.0) + 1));
}
