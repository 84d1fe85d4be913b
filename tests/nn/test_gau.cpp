// GAU and FLASH vs PyTorch (causal and non-causal; FLASH with T not a multiple of the chunk, a
// chunk dividing T and a chunk longer than T), gradcheck and gradgradcheck with respect to the
// input and the offset-scales, causality, initialisation, printing and errors.
#include <doctest/doctest.h>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/gau.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;

namespace {

constexpr double kTol = 1e-10;

void check_case(nn::Module& m, const test::Fixture& f, const std::string& c) {
  CAPTURE(c);
  CHECK(static_cast<double>(m.named_parameters().size()) == f.attr(c, "num_params"));
  core::NamedTensors state;
  for (const auto& [name, t] : m.state_dict()) state.add(name, f.tensor(c + "/state/" + name));
  m.load_state_dict(state);
  const Tensor x(f.tensor(c + "/x"), true);
  const Tensor y = m(x);
  test::expect_close(y.data(), f.tensor(c + "/out"), kTol, kTol);
  y.backward(Tensor(f.tensor(c + "/grad_out")));
  test::expect_close(x.grad().data(), f.tensor(c + "/grad_x"), kTol, kTol);
  for (const auto& [name, p] : m.named_parameters()) {
    INFO("gradient of ", name);
    test::expect_close(p.grad().data(), f.tensor(c + "/grad/" + name), kTol, kTol);
  }
}

// Outputs before position t do not move when the inputs from t on change.
void check_causal(nn::Module& m, std::int64_t T, std::int64_t d) {
  const Tensor x = randn({2, T, d}, {.dtype = DType::f64});
  for (std::int64_t t : {std::int64_t{1}, T / 2, T - 1}) {
    CAPTURE(t);
    const Tensor x2 = cat({slice(x, 1, 0, t), randn({2, T - t, d}, {.dtype = DType::f64})}, 1);
    test::expect_close(slice(m(x), 1, 0, t).data(), slice(m(x2), 1, 0, t).data(), 1e-12, 1e-12);
  }
}

// Gradcheck of x -> m(x) and of the offset-scales (gamma, beta), first and second order.
void check_module_grads(nn::Module& m, Tensor& gamma, Tensor& beta, const Shape& x_shape) {
  gamma.data().copy_(randn(gamma.shape(), {.dtype = DType::f64}).data());  // not the tiny init
  test::check_grads(
      [&](const std::vector<Tensor>& in) {
        const Tensor g0 = gamma, b0 = beta;
        gamma = in[1], beta = in[2];
        std::vector<Tensor> out{m(in[0])};
        gamma = g0, beta = b0;
        return out;
      },
      {test::rnd(x_shape), gamma.detach().requires_grad_(), beta.detach().requires_grad_()});
}

}  // namespace

TEST_CASE("GAU: causal and non-causal vs PyTorch, every gradient") {
  test::Fixture f("linear_attention");
  for (bool causal : {false, true}) {
    nn::GAU m(6, {.qk_dim = 5, .causal = causal, .dtype = DType::f64});
    check_case(m, f, causal ? "gau_causal" : "gau_noncausal");
  }
}

TEST_CASE("FLASH: causal and non-causal, T padded to the chunk, vs PyTorch") {
  test::Fixture f("linear_attention");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    if (c.rfind("flash_", 0) != 0) continue;
    nn::FLASH m(6, {.qk_dim = 5,
                    .chunk = static_cast<std::int64_t>(f.attr(c, "chunk")),
                    .causal = f.attr(c, "causal") != 0,
                    .dtype = DType::f64});
    check_case(m, f, c);
    ++checked;
  }
  CHECK(checked == 6);
}

TEST_CASE("GAU, FLASH: gradcheck and gradgradcheck, causality") {
  for (bool causal : {false, true}) {
    CAPTURE(causal);
    nn::GAU gau(4, {.qk_dim = 3, .causal = causal, .dtype = DType::f64});
    check_module_grads(gau, gau.gamma, gau.beta, {1, 5, 4});
    nn::FLASH flash(4, {.qk_dim = 3, .chunk = 2, .causal = causal, .dtype = DType::f64});
    check_module_grads(flash, flash.gamma, flash.beta, {1, 5, 4});
    if (causal) {
      check_causal(gau, 9, 4);
      check_causal(flash, 9, 4);
    }
  }
  nn::GAU plain(4, {.qk_dim = 3, .causal = true, .normalize = false, .dtype = DType::f64});
  check_causal(plain, 6, 4);
}

TEST_CASE("GAU, FLASH: parameters, initialisation, printing, errors") {
  nn::GAU gau(16);
  CHECK(gau.gamma.shape() == Shape{2, 128});
  CHECK(gau.u_proj.weight.shape() == Shape{32, 16});
  CHECK(gau.z_proj.weight.shape() == Shape{128, 16});
  const auto g = gau.gamma.to_vector<float>();
  double sq = 0;
  for (float v : g) sq += v * v;
  CHECK(std::sqrt(sq / g.size()) == doctest::Approx(0.02).epsilon(0.15));
  for (float b : gau.beta.to_vector<float>()) CHECK(b == 0);
  nn::FLASH flash(16, {.qk_dim = 8, .chunk = 4});
  CHECK(flash.gamma.shape() == Shape{4, 8});
  std::vector<std::string> names;
  for (const auto& [n, p] : flash.named_parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"gamma", "beta", "u_proj.weight", "u_proj.bias",
                                          "v_proj.weight", "v_proj.bias", "z_proj.weight",
                                          "z_proj.bias", "out_proj.weight", "out_proj.bias"});
  CHECK(flash(randn({2, 7, 16})).shape() == Shape{2, 7, 16});
  CHECK(gau.extra_repr() == "d_model=16, expansion_dim=32, qk_dim=128, causal=false");
  CHECK(flash.extra_repr() == "d_model=16, expansion_dim=32, qk_dim=8, chunk=4, causal=false");
  CHECK_THROWS_WITH_AS(gau(randn({2, 7, 8})), "GAU: expected input (B, T, 16), got [2,7,8]", Error);
  CHECK_THROWS_WITH_AS(nn::FLASH(16, {.chunk = 0}), "FLASH: chunk must be at least 1, got 0",
                       Error);
}
