// clip_grad_norm_ against torch.nn.utils.clip_grad_norm_ (tests/fixtures/gen_optim.py, norms 1,
// 2, 3, inf) and clip_grad_value_ by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "liandan/autograd/autograd.hpp"
#include "liandan/optim/clip_grad.hpp"
#include "liandan/optim/sgd.hpp"
#include "support/fixtures.hpp"

using namespace liandan;

TEST_CASE("clip_grad_norm_: total norm and clipped gradients match torch for p = 1 2 3 inf") {
  const test::Fixture f("optim");
  for (const std::string c : {"clip_1", "clip_2", "clip_3_noclip", "clip_inf"}) {
    INFO("case " << c);
    const Tensor p0 = zeros({3, 4}, {.dtype = DType::f64, .requires_grad = true});
    const Tensor p1 = zeros({5}, {.dtype = DType::f64, .requires_grad = true});
    const Tensor no_grad = zeros({2}, {.dtype = DType::f64, .requires_grad = true});
    p0.set_grad(Tensor(f.tensor(c + "/g0")));
    p1.set_grad(Tensor(f.tensor(c + "/g1")));
    const double total =
        optim::clip_grad_norm_(NamedParameters{{"p0", p0}, {"none", no_grad}, {"p1", p1}},
                               f.attr(c, "max_norm"), f.attr(c, "norm_type"));
    CHECK(total == doctest::Approx(f.tensor(c + "/total_norm").item()).epsilon(1e-12));
    test::expect_close(p0.grad().data(), f.tensor(c + "/clipped0"), 1e-12, 1e-14);
    test::expect_close(p1.grad().data(), f.tensor(c + "/clipped1"), 1e-12, 1e-14);
    CHECK_FALSE(no_grad.grad().defined());
  }
}

TEST_CASE("clip_grad_value_: clamps each gradient element to the bound, f32 and f64") {
  const Tensor a = zeros({4}, {.requires_grad = true});
  const Tensor b = zeros({2}, {.dtype = DType::f64, .requires_grad = true});
  a.set_grad(tensor<float>({-3.f, -0.5f, 0.25f, 2.f}, {4}));
  b.set_grad(tensor<double>({1.5, -1.0}, {2}));
  optim::clip_grad_value_(std::vector<Tensor>{a, b}, 1.0);
  CHECK(a.grad().to_vector<float>() == std::vector<float>{-1.f, -0.5f, 0.25f, 1.f});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{1.0, -1.0});
}

TEST_CASE("clip_grad_norm_ clip_grad_value_: invalid arguments name the value") {
  const Tensor a = zeros({2}, {.requires_grad = true});
  CHECK_THROWS_WITH_AS(optim::clip_grad_norm_(std::vector<Tensor>{a}, 1.0, -2.0),
                       doctest::Contains("invalid norm_type -2"), Error);
  CHECK_THROWS_WITH_AS(optim::clip_grad_norm_(std::vector<Tensor>{a}, -1.0),
                       doctest::Contains("invalid max_norm -1"), Error);
  CHECK_THROWS_WITH_AS(optim::clip_grad_value_(std::vector<Tensor>{a}, -0.5),
                       doctest::Contains("invalid clip_value -0.5"), Error);
}

TEST_CASE("clip_grad_norm_ and SGD.step after a create_graph backward: each .grad is its own") {
  // sum(a + b) sends one gradient to both leaves (an expand of the seed, with create_graph);
  // .grad must not be that shared expand (Note [.grad ownership] in autograd).
  const Tensor a = zeros({3}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor b = zeros({3}, {.dtype = DType::f64, .requires_grad = true});
  sum(a + b).backward({}, false, /*create_graph=*/true);
  // total norm sqrt(6); each gradient scaled once by sqrt(6) / sqrt(6) * 1 / (1 + ...)
  const double total = optim::clip_grad_norm_(std::vector<Tensor>{a, b}, 1.0);
  CHECK(total == doctest::Approx(std::sqrt(6.0)));
  const double scale = 1.0 / (std::sqrt(6.0) + 1e-6);
  for (const Tensor& t : {a, b})
    for (double v : t.grad().to_vector<double>()) CHECK(v == doctest::Approx(scale));
  optim::SGD opt(NamedParameters{{"a", a}, {"b", b}}, {.lr = 1.0});
  opt.step();
  for (const Tensor& t : {a, b})
    for (double v : t.to_vector<double>()) CHECK(v == doctest::Approx(-scale));
}
