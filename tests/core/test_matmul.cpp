// core matmul vs PyTorch fixtures: 1-D, batched, broadcast, transposed operands; errors.
#include <doctest/doctest.h>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using test::expect_close;

TEST_CASE("matmul: 1-D, 2-D, batched, broadcast batch and transposed operands vs PyTorch") {
  test::Fixture f("matmul");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    CAPTURE(c);
    Tensor a = f.tensor(c + "/a"), b = f.tensor(c + "/b");
    if (f.attr(c, "transpose_a") != 0) a = a.transpose(-1, -2);
    if (f.attr(c, "transpose_b") != 0) b = b.transpose(-1, -2);
    const double rtol = a.dtype() == DType::f64 ? 1e-12 : 1e-5;
    expect_close(core::matmul(a, b), f.tensor(c + "/out"), rtol, 1e-5);
    ++checked;
  }
  CHECK(checked == 24);
}

TEST_CASE("matmul: expanded and sliced operands, repeated calls reuse the primitive") {
  const Tensor a = core::normal({4, 6}), b = core::normal({6, 5});
  const Tensor expect = core::matmul(a, b);
  // A stride-0 batch dim and a column slice with neither inner stride 1.
  const Tensor batched = core::matmul(a.unsqueeze(0).expand({3, 4, 6}), b);
  for (int i = 0; i < 3; ++i) test::expect_close(batched.select(0, i), expect, 1e-6, 1e-6);
  const Tensor wide = core::normal({6, 10});
  const Tensor cols = wide.slice(1, 0, 10, 2);  // stride 2 in the last dim
  test::expect_close(core::matmul(a, cols), core::matmul(a, cols.contiguous()), 1e-6, 1e-6);
  test::expect_close(core::matmul(a, b), expect, 0, 0);
}

TEST_CASE("matmul: error messages") {
  CHECK_THROWS_WITH_AS(core::matmul(Tensor::zeros({4, 3}), Tensor::zeros({5, 2})),
                       "matmul: [4,3] x [5,2]: inner dimensions 3 and 5 differ", Error);
  CHECK_THROWS_WITH_AS(core::matmul(Tensor::zeros({2, 4, 3}), Tensor::zeros({3, 3, 2})),
                       "matmul: [2,4,3] x [3,3,2]: batch dims [2] and [3] do not broadcast", Error);
  CHECK_THROWS_WITH_AS(core::matmul(Tensor::zeros({2, 2}), Tensor::zeros({2, 2}, DType::f64)),
                       "matmul: [2,2] f32 x [2,2] f64: dtypes differ", Error);
  CHECK_THROWS_WITH_AS(
      core::matmul(Tensor::zeros({2, 2}, DType::i64), Tensor::zeros({2, 2}, DType::i64)),
      "matmul: [2,2] x [2,2]: expected f32 or f64, got i64", Error);
  CHECK_THROWS_WITH_AS(core::matmul(Tensor::scalar(1), Tensor::zeros({2})),
                       "matmul: [] x [2]: operands must have at least 1 dim", Error);
}
