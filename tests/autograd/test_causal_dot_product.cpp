// causal_dot_product (autograd): forward and gradients vs PyTorch's explicit tril form;
// gradcheck and gradgradcheck in both directions and chunkings; the fused backward (no
// create_graph) against the one composed of causal_dot_product itself.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

TEST_CASE("causal_dot_product: forward and gradients vs PyTorch, every chunk size") {
  test::Fixture f("linear_attention");
  const std::string c = "causal_dot_product";
  const Tensor q(f.tensor(c + "/q"), true), k(f.tensor(c + "/k"), true),
      v(f.tensor(c + "/v"), true);
  for (std::int64_t chunk : {1, 4, 16, 37, 64}) {
    CAPTURE(chunk);
    const Tensor out = causal_dot_product(q, k, v, {.chunk = chunk});
    test::expect_close(out.data(), f.tensor(c + "/out"), 1e-12, 1e-12);
    const auto g = autograd::grad({out}, {q, k, v}, {Tensor(f.tensor(c + "/grad_out"))});
    test::expect_close(g[0].data(), f.tensor(c + "/grad_q"), 1e-12, 1e-12);
    test::expect_close(g[1].data(), f.tensor(c + "/grad_k"), 1e-12, 1e-12);
    test::expect_close(g[2].data(), f.tensor(c + "/grad_v"), 1e-12, 1e-12);
  }
}

TEST_CASE("causal_dot_product: gradcheck and gradgradcheck, causal and reversed") {
  const Tensor q = rnd({2, 6, 3}), k = rnd({2, 6, 3}), v = rnd({2, 6, 2});
  for (bool reverse : {false, true}) {
    for (std::int64_t chunk : {4, 64}) {
      CAPTURE(reverse);
      CAPTURE(chunk);
      check_grads(
          [&](const std::vector<Tensor>& in) {
            return std::vector<Tensor>{
                causal_dot_product(in[0], in[1], in[2], {.reverse = reverse, .chunk = chunk})};
          },
          {q, k, v});
    }
  }
}

TEST_CASE("causal_dot_product: fused backward == composed backward, any subset of inputs") {
  const Tensor q = rnd({2, 3, 9, 4}), k = rnd({2, 3, 9, 4}), v = rnd({2, 3, 9, 5});
  const Tensor g = randn({2, 3, 9, 5}, {.dtype = DType::f64});
  for (bool reverse : {false, true}) {
    CAPTURE(reverse);
    const core::CausalDotProductOptions o{.reverse = reverse, .chunk = 4};
    const auto fused = autograd::grad({causal_dot_product(q, k, v, o)}, {q, k, v}, {g});
    const auto composed =
        autograd::grad({causal_dot_product(q, k, v, o)}, {q, k, v}, {g}, {.create_graph = true});
    for (int i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK(!fused[i].requires_grad());
      CHECK(composed[i].requires_grad());
      test::expect_close(fused[i].data(), composed[i].data(), 1e-13, 1e-13);
    }
  }
  // Only k requires grad: the node still computes the right dk.
  const Tensor q0 = q.detach(), v0 = v.detach();
  const auto dk = autograd::grad({causal_dot_product(q0, k, v0)}, {k}, {g});
  test::expect_close(dk[0].data(),
                     autograd::grad({causal_dot_product(q, k, v)}, {k}, {g})[0].data(), 0, 0);
}
