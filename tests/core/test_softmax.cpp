// core/softmax: softmax and log_softmax vs PyTorch fixtures (gen_normalization.py); errors.
#include <doctest/doctest.h>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using test::expect_close;

TEST_CASE("softmax and log_softmax over every dim vs PyTorch") {
  test::Fixture f("normalization");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    const std::string op = f.text(c, "op");
    if (op != "softmax" && op != "log_softmax") continue;
    CAPTURE(c);
    const Tensor x = f.tensor(c + "/x");
    const std::int64_t dim = f.ints(c, "dim")[0];
    const Tensor out = op == "softmax" ? core::softmax(x, dim) : core::log_softmax(x, dim);
    expect_close(out, f.tensor(c + "/out"), x.dtype() == DType::f64 ? 1e-12 : 1e-5, 1e-6);
    ++checked;
  }
  CHECK(checked == 17);
}

TEST_CASE("softmax: error messages") {
  CHECK_THROWS_WITH_AS(core::softmax(Tensor::zeros({2, 3}), 2),
                       "softmax: dim 2 out of range for a tensor of 2 dims", Error);
}
