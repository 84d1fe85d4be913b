// core/layer_norm vs PyTorch fixtures (gen_normalization.py); errors.
#include <doctest/doctest.h>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using test::expect_close;

TEST_CASE("layer_norm with and without affine, one and two normalized dims, vs PyTorch") {
  test::Fixture f("normalization");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    if (f.text(c, "op") != "layer_norm") continue;
    CAPTURE(c);
    const Tensor x = f.tensor(c + "/x");
    const bool affine = f.has(c, "weight");
    const Tensor w = affine ? f.tensor(c + "/weight") : Tensor();
    const Tensor b = affine ? f.tensor(c + "/bias") : Tensor();
    const auto normalized = f.ints(c, "normalized");
    const auto r = core::layer_norm(x.transpose(0, 0), Shape(std::span(normalized)), w, b, 1e-5);
    const double rtol = x.dtype() == DType::f64 ? 1e-12 : 1e-5;
    expect_close(r.out, f.tensor(c + "/out"), rtol, 1e-5);
    expect_close(r.mean, f.tensor(c + "/mean"), rtol, 1e-6);
    expect_close(r.rstd, f.tensor(c + "/rstd"), rtol, 1e-6);
    ++checked;
  }
  CHECK(checked == 6);
}

TEST_CASE("layer_norm: error messages") {
  const Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(core::layer_norm(x, {4}, {}, {}),
                       "layer_norm: input [2,3] does not end with normalized_shape [4]", Error);
  CHECK_THROWS_WITH_AS(core::layer_norm(x, {3}, Tensor::ones({2}), {}),
                       "layer_norm: weight of shape [2] does not match normalized_shape [3]",
                       Error);
}
