// README's "Optimizers" snippet, kept compiling and doing what it says.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/optim/adamw.hpp"
#include "liandan/optim/clip_grad.hpp"

using namespace liandan;

TEST_CASE("README optimizers example: AdamW step with gradient clipping") {
  nn::Linear net(4, 2);
  const Tensor before = Tensor(net.weight.data().clone());
  const Tensor loss = sum(net(randn({8, 4})) * 10.0);
  // ---- as in README
  optim::AdamW opt(net.named_parameters(), {.lr = 3e-4, .weight_decay = 0.1});
  opt.zero_grad();
  loss.backward();
  double norm = optim::clip_grad_norm_(net.parameters(), 1.0);  // the norm before clipping
  opt.step();
  // ----
  CHECK(norm > 1.0);
  CHECK(core::amax(core::abs(core::sub(net.weight.data(), before.data()))).item() > 0);
}
