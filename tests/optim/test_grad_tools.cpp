// Gradient accumulation equals one big batch; the non-finite check names the first bad
// parameter.
#include <doctest/doctest.h>

#include <limits>

#include "liandan/autograd/ops.hpp"
#include "liandan/core/random.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/optim/adam.hpp"
#include "liandan/optim/grad_tools.hpp"
#include "liandan/optim/sgd.hpp"
#include "support/fixtures.hpp"

using namespace liandan;

TEST_CASE("GradientAccumulation: k micro-batches give the step of one batch of k times the size") {
  core::manual_seed(3);
  const Tensor x(core::normal({12, 4}, 0, 1, DType::f64));
  const Tensor y(core::normal({12, 2}, 0, 1, DType::f64));
  nn::Linear big(4, 2, {.dtype = DType::f64}), small(4, 2, {.dtype = DType::f64});
  small.load_state_dict(big.state_dict());
  optim::Adam opt_big(big.named_parameters(), {.lr = 0.1});
  optim::Adam opt_small(small.named_parameters(), {.lr = 0.1});
  optim::GradientAccumulation acc(opt_small, 3);
  for (int step = 0; step < 4; ++step) {
    opt_big.zero_grad();
    nn::mse_loss(big(x), y).backward();
    opt_big.step();
    for (int k = 0; k < 3; ++k) {
      const Tensor xs = slice(x, 0, 4 * k, 4 * k + 4), ys = slice(y, 0, 4 * k, 4 * k + 4);
      const bool ready = acc.backward(nn::mse_loss(small(xs), ys));
      CHECK(ready == (k == 2));
    }
    acc.step();
    CHECK(acc.pending() == 0);
  }
  test::expect_close(small.weight.data(), big.weight.data(), 1e-12, 1e-14);
  test::expect_close(small.bias.data(), big.bias.data(), 1e-12, 1e-14);
  acc.backward(nn::mse_loss(small(x), y));
  CHECK_THROWS_WITH_AS(acc.step(), doctest::Contains("step() after 1 of 3 micro-batches"), Error);
  CHECK_THROWS_WITH_AS(optim::GradientAccumulation(opt_small, 0),
                       doctest::Contains("micro_batches 0"), Error);
}

TEST_CASE("first_nonfinite_grad check_finite_grads: name the first bad parameter") {
  const Tensor a = ones({3}, {.requires_grad = true});
  const Tensor b = ones({2, 2}, {.requires_grad = true});
  const Tensor c = ones({2}, {.requires_grad = true});
  const NamedParameters params{{"a", a}, {"layers.1.weight", b}, {"c", c}};
  CHECK(!optim::first_nonfinite_grad(params));
  a.set_grad(ones({3}));
  b.set_grad(Tensor(
      core::Tensor::from<float>({0, 1, std::numeric_limits<float>::quiet_NaN(), 2}, Shape{2, 2})));
  c.set_grad(
      Tensor(core::Tensor::from<float>({std::numeric_limits<float>::infinity(), 0}, Shape{2})));
  CHECK(*optim::first_nonfinite_grad(params) == "layers.1.weight [2,2]: nan at flat index 2");
  CHECK_THROWS_WITH_AS(optim::check_finite_grads(params),
                       doctest::Contains("non-finite gradient in layers.1.weight"), Error);
  b.set_grad(zeros({2, 2}));
  CHECK(*optim::first_nonfinite_grad(params) == "c [2]: inf at flat index 0");
}
