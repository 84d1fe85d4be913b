// GANs (nn/generative/gan.hpp, gan_losses.hpp): GN-GAN's bounds and closed form on a random ReLU
// critic; GN, GraN and WGAN-GP against tests/fixtures/gen_generative.py (values, critic-weight
// gradients through double backward, the G step's input gradient); gradchecks of the GN and GP
// losses w.r.t. critic weights in f64 (MLP and conv); the losses; networks' shapes, spectral norm.
#include <doctest/doctest.h>

#include <cmath>

#include "generative_helpers.hpp"
#include "liandan/nn/functional.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/gan_losses.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using namespace liandan::nn::generative;

namespace {

constexpr DType f64 = DType::f64;

CriticFn as_fn(nn::Module& m) {
  return [&m](const Tensor& x) { return m(x); };
}

}  // namespace

TEST_CASE(
    "gradient_normalized: |f_hat| < 1, ||grad f_hat|| <= 1 and the closed form on a ReLU MLP") {
  core::manual_seed(21);
  MlpGan critic({.in_features = 2, .out_features = 1, .width = 32, .depth = 3, .dtype = f64});
  const Tensor x = test::rnd({256, 2});
  const Tensor f_hat = gradient_normalized(as_fn(critic), x);
  const CriticGradient c = critic_gradient(as_fn(critic), x);
  // Samples are independent, so the gradient of sum(f_hat) holds each sample's input gradient.
  const Tensor g_hat = autograd::grad({sum(f_hat)}, {x})[0];
  const auto fh = f_hat.to_vector<double>(), n_hat = norm(g_hat, 2, {1}).to_vector<double>();
  const auto f = c.out.to_vector<double>(), n = c.grad_norm.to_vector<double>();
  for (std::size_t i = 0; i < fh.size(); ++i) {
    CHECK(std::abs(fh[i]) < 1);
    CHECK(n_hat[i] <= 1 + 1e-5);
    // In a linear region: ||grad f_hat|| = ||grad f||^2 / (||grad f|| + |f|)^2.
    CHECK(n_hat[i] ==
          doctest::Approx(n[i] * n[i] / ((n[i] + std::abs(f[i])) * (n[i] + std::abs(f[i]))))
              .epsilon(1e-10));
  }
}

TEST_CASE(
    "GN-GAN on a DCGAN critic matches PyTorch: f_hat, NS and hinge D-loss weight gradients, G "
    "input gradient") {
  const std::string c = "gn_conv";
  const auto& fx = test::generative_fixture();
  DCGANCritic critic({.width = static_cast<std::int64_t>(fx.attr(c, "width")), .dtype = f64});
  test::load_state(critic, c);
  const Tensor real = test::fixture_tensor(c + "/real");
  const Tensor fake = test::fixture_tensor(c + "/fake", true);
  const CriticFn d = as_fn(critic);
  constexpr double tol = 1e-9;

  Tensor fr = gradient_normalized(d, real), ff = gradient_normalized(d, fake.detach());
  test::expect_close(fr.data(), fx.tensor(c + "/f_hat_real"), tol, tol);
  test::expect_close(ff.data(), fx.tensor(c + "/f_hat_fake"), tol, tol);
  const Tensor ns = critic_loss(GanLoss::non_saturating, fr, ff);
  test::expect_close(ns.data(), fx.tensor(c + "/loss_ns"), tol, tol);
  ns.backward();
  test::expect_grads(critic, c, "grad_ns", tol);

  fr = gradient_normalized(d, real), ff = gradient_normalized(d, fake.detach());
  const Tensor hinge = critic_loss(GanLoss::hinge, fr, ff);
  test::expect_close(hinge.data(), fx.tensor(c + "/loss_hinge"), tol, tol);
  hinge.backward();
  test::expect_grads(critic, c, "grad_hinge", tol);

  // The G step: fake keeps its graph (here a leaf standing for G's output).
  const Tensor g = generator_loss(GanLoss::non_saturating, gradient_normalized(d, fake));
  test::expect_close(g.data(), fx.tensor(c + "/loss_g"), tol, tol);
  g.backward();
  test::expect_close(fake.grad().data(), fx.tensor(c + "/grad_fake"), tol, tol);
}

TEST_CASE("GraN-GAN and WGAN-GP on a ReLU MLP critic match PyTorch (values and weight gradients)") {
  const auto& fx = test::generative_fixture();
  constexpr double tol = 1e-9;
  {
    const std::string c = "gran_mlp";
    MlpGan critic({.in_features = 2, .out_features = 1, .width = 8, .depth = 2, .dtype = f64});
    test::load_state(critic, c);
    const GraNOptions o{.K = fx.attr(c, "K"), .eps = fx.attr(c, "eps")};
    const Tensor gr =
        piecewise_gradient_normalized(as_fn(critic), test::fixture_tensor(c + "/real"), o);
    const Tensor gf =
        piecewise_gradient_normalized(as_fn(critic), test::fixture_tensor(c + "/fake"), o);
    test::expect_close(gr.data(), fx.tensor(c + "/g_hat_real"), tol, tol);
    test::expect_close(gf.data(), fx.tensor(c + "/g_hat_fake"), tol, tol);
    const Tensor loss = critic_loss(GanLoss::hinge, gr, gf);
    test::expect_close(loss.data(), fx.tensor(c + "/loss"), tol, tol);
    loss.backward();
    test::expect_grads(critic, c, "grad", tol);
  }
  {
    const std::string c = "wgan_gp";
    MlpGan critic({.in_features = 2, .out_features = 1, .width = 8, .depth = 2, .dtype = f64});
    test::load_state(critic, c);
    const Tensor penalty =
        gradient_penalty(as_fn(critic), test::fixture_tensor(c + "/real"),
                         test::fixture_tensor(c + "/fake"), test::fixture_tensor(c + "/alpha"));
    test::expect_close(penalty.data(), fx.tensor(c + "/penalty"), tol, tol);
    penalty.backward();
    test::expect_grads(critic, c, "grad", tol);
  }
}

TEST_CASE("WGAN-GP and GN-GAN: a critic with zero input gradient gives zero weight gradients") {
  // The last layer's weight is 0: f(x) = its bias, grad_x f = 0 for every sample. PyTorch takes
  // the norm's subgradient 0 there, so every weight gradient is 0 (it was NaN: 0 * inf).
  core::manual_seed(3);
  MlpGan critic({.in_features = 2, .out_features = 1, .width = 8, .depth = 2, .dtype = f64});
  const auto params = critic.named_parameters();
  {
    NoGradGuard no_grad;
    zero_(params.items()[params.size() - 2].second);  // the last Linear's weight
    fill_(params.items().back().second, 0.25);        // and its bias: f = 0.25
  }
  const Tensor real = test::rnd({4, 2}).detach(), fake = test::rnd({4, 2}).detach();
  const Tensor penalty =
      gradient_penalty(as_fn(critic), real, fake, Tensor(core::Tensor::full({4}, 0.5, f64)));
  CHECK(penalty.item() == 1.0);  // mean((0 - 1)^2)
  penalty.backward();
  const Tensor gn = mean(gradient_normalized(as_fn(critic), real));
  CHECK(gn.item() == 1.0);  // f / (0 + |f|)
  gn.backward();
  for (const auto& [name, p] : params) {
    CAPTURE(name);
    for (double v : p.grad().to_vector<double>()) CHECK(v == 0.0);
  }
}

TEST_CASE(
    "gradcheck of the GN and GP critic losses w.r.t. the weights of tiny MLP and conv critics") {
  core::manual_seed(4);
  const Tensor real = randn({3, 2}, {.dtype = f64}), fake = randn({3, 2}, {.dtype = f64});
  // inputs: W1 (4, 2), b1 (4), W2 (1, 4), b2 (1)
  auto mlp = [](const std::vector<Tensor>& w) {
    return CriticFn([w](const Tensor& x) {
      return nn::functional::linear(leaky_relu(nn::functional::linear(x, w[0], w[1]), 0.2), w[2],
                                    w[3]);
    });
  };
  const std::vector<Tensor> mlp_weights = {test::rnd({4, 2}), test::rnd({4}), test::rnd({1, 4}),
                                           test::rnd({1})};
  for (const GanLoss loss : {GanLoss::non_saturating, GanLoss::hinge}) {
    const auto r = autograd::gradcheck(
        [&](const std::vector<Tensor>& w) {
          const CriticFn d = mlp(w);
          return std::vector{
              critic_loss(loss, gradient_normalized(d, real), gradient_normalized(d, fake))};
        },
        mlp_weights);
    CHECK_MESSAGE(r.ok, r.message);
  }
  const Tensor alpha = rand({3}, {.dtype = f64});
  const auto gp = autograd::gradcheck(
      [&](const std::vector<Tensor>& w) {
        return std::vector{gradient_penalty(mlp(w), real, fake, alpha)};
      },
      mlp_weights);
  CHECK_MESSAGE(gp.ok, gp.message);

  // A conv critic: conv(1 -> 2, 3x3) on 5x5, leaky ReLU, linear(2*3*3 -> 1).
  const Tensor real_img = randn({2, 1, 5, 5}, {.dtype = f64}),
               fake_img = randn({2, 1, 5, 5}, {.dtype = f64});
  const auto conv = autograd::gradcheck(
      [&](const std::vector<Tensor>& w) {
        const CriticFn d = [&w](const Tensor& x) {
          const Tensor h = leaky_relu(conv2d(x, w[0], w[1]), 0.1);
          return nn::functional::linear(flatten(h, 1), w[2], w[3]);
        };
        return std::vector{critic_loss(GanLoss::non_saturating, gradient_normalized(d, real_img),
                                       gradient_normalized(d, fake_img))};
      },
      {test::rnd({2, 1, 3, 3}), test::rnd({2}), test::rnd({1, 18}), test::rnd({1})});
  CHECK_MESSAGE(conv.ok, conv.message);
}

TEST_CASE("GAN losses: Wasserstein, hinge and non-saturating values") {
  const Tensor r = tensor<double>({0.5, 2.0}, {2, 1}), f = tensor<double>({-0.5, 1.0}, {2, 1});
  CHECK(critic_loss(GanLoss::wasserstein, r, f).item() == doctest::Approx(0.25 - 1.25));
  CHECK(critic_loss(GanLoss::hinge, r, f).item() == doctest::Approx(0.25 + 1.25));
  const auto sp = [](double x) { return std::log1p(std::exp(x)); };  // softplus
  CHECK(critic_loss(GanLoss::non_saturating, r, f).item() ==
        doctest::Approx((sp(-0.5) + sp(-2.0)) / 2 + (sp(-0.5) + sp(1.0)) / 2));
  CHECK(generator_loss(GanLoss::hinge, f).item() == doctest::Approx(-0.25));
  CHECK(generator_loss(GanLoss::non_saturating, f).item() ==
        doctest::Approx((sp(0.5) + sp(-1.0)) / 2));
}

TEST_CASE(
    "DCGAN generator and critic: shapes, init, spectral norm, a GN step reaches G through "
    "BatchNorm") {
  core::manual_seed(8);
  DCGANGenerator gen({.z_dim = 16, .width = 4});
  DCGANCritic critic({.width = 4});
  const Tensor x = gen.sample(3);
  CHECK(x.shape() == Shape{3, 1, 28, 28});
  CHECK(amax(abs(x)).item() < 1);
  CHECK(critic(x).shape() == Shape{3, 1});
  for (const auto& [name, p] : critic.named_parameters())
    if (name.ends_with("bias")) CHECK(amax(abs(p)).item() == 0);
  // The G step differentiates grad_x f w.r.t. x: double backward through convs and G's BN.
  const Tensor g_loss = generator_loss(GanLoss::hinge, gradient_normalized(as_fn(critic), x));
  g_loss.backward();
  for (const auto& [name, p] : gen.named_parameters()) {
    INFO(name);
    CHECK(p.grad().defined());
  }

  DCGANCritic sn({.width = 2, .spectral_norm = true});
  bool has_original = false;
  for (const auto& [name, p] : sn.named_parameters())
    has_original |= name == "main.0.parametrizations.weight.original";
  CHECK(has_original);
  CHECK(sn(x).shape() == Shape{3, 1});
  // With every weight divided by its spectral norm, a ReLU MLP is 1-Lipschitz once the power
  // iteration has converged.
  MlpGan mlp({.in_features = 2,
              .out_features = 1,
              .width = 16,
              .depth = 2,
              .spectral_norm = true,
              .dtype = f64});
  const Tensor a = randn({64, 2}, {.dtype = f64}), b = randn({64, 2}, {.dtype = f64});
  for (int i = 0; i < 50; ++i) mlp(a);
  mlp.eval();
  const auto fa = mlp(a).to_vector<double>(), fb = mlp(b).to_vector<double>();
  const auto dist = norm(a - b, 2, {1}).to_vector<double>();
  for (std::size_t i = 0; i < fa.size(); ++i)
    CHECK(std::abs(fa[i] - fb[i]) <= dist[i] * (1 + 1e-6));
}

TEST_CASE("GAN errors name the shapes") {
  MlpGan critic({.in_features = 2, .out_features = 3});
  CHECK_THROWS_WITH(gradient_normalized(as_fn(critic), randn({4, 2})),
                    doctest::Contains("the critic must return (B) or (B, 1)"));
  MlpGan ok({.in_features = 2, .out_features = 1});
  CHECK_THROWS_WITH(gradient_penalty(as_fn(ok), randn({4, 2}), randn({3, 2})),
                    doctest::Contains("must be batches of one shape"));
  {  // Without grad mode the values come without a graph.
    const Tensor x = randn({4, 2});
    const Tensor with_graph = gradient_normalized(as_fn(ok), x);
    NoGradGuard no_grad;
    const Tensor without = gradient_normalized(as_fn(ok), x);
    CHECK(!without.requires_grad());
    test::expect_close(without.data(), with_graph.data(), 0, 0);
  }
  DCGANGenerator gen({.z_dim = 8, .width = 2});
  CHECK_THROWS_WITH(gen(randn({2, 7})), doctest::Contains("expected noise (B, 8)"));
}
