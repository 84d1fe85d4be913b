// The VAE (nn/generative/vae.hpp) against tests/fixtures/gen_generative.py: the closed-form KL
// and its gradients; the MLP and conv VAEs' loss, recon, KL and parameter gradients for given
// noise (Bernoulli and Gaussian decoders, beta), log importance weights and the IW bound;
// properties of the sampled bounds, shapes and errors.
#include <doctest/doctest.h>

#include <cmath>

#include "generative_helpers.hpp"
#include "liandan/nn/generative/vae.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using namespace liandan::nn::generative;

namespace {

constexpr double kTol = 1e-9;

VAEOptions options_of(const std::string& c) {
  const auto& f = test::generative_fixture();
  VAEOptions o;
  const bool conv = f.text(c, "arch") == "conv";
  o.net = {.arch = conv ? ImageArch::conv : ImageArch::mlp,
           .hidden = {static_cast<std::int64_t>(f.attr(c, "hidden"))},
           .dtype = DType::f64};
  o.latent = static_cast<std::int64_t>(f.attr(c, "latent"));
  o.likelihood =
      f.text(c, "likelihood") == "bernoulli" ? Likelihood::bernoulli : Likelihood::gaussian;
  o.decoder_std = f.attr(c, "decoder_std");
  o.beta = f.attr(c, "beta");
  return o;
}

}  // namespace

TEST_CASE("gaussian_kl matches PyTorch (value and gradients)") {
  const Tensor mu = test::fixture_tensor("kl/mu", true),
               logvar = test::fixture_tensor("kl/logvar", true);
  const Tensor kl = gaussian_kl(mu, logvar);
  test::expect_close(kl.data(), test::generative_fixture().tensor("kl/kl"), kTol, kTol);
  kl.backward(test::fixture_tensor("kl/grad_out"));
  test::expect_close(mu.grad().data(), test::generative_fixture().tensor("kl/grad_mu"), kTol, kTol);
  test::expect_close(logvar.grad().data(), test::generative_fixture().tensor("kl/grad_logvar"),
                     kTol, kTol);
  test::check_grads(
      [](const std::vector<Tensor>& in) { return std::vector{gaussian_kl(in[0], in[1])}; },
      {test::rnd({3, 2}), test::rnd({3, 2})});
}

TEST_CASE("gaussian_log_density is the log of the diagonal normal density") {
  const Tensor z = tensor<double>({0.5, -1.0}, {1, 2});
  const Tensor mu = tensor<double>({0.0, 1.0}, {1, 2}),
               logvar = tensor<double>({0.0, std::log(4.0)}, {1, 2});
  // log N(0.5; 0, 1) + log N(-1; 1, 4)
  const double expected = (-0.5 * 0.25 - 0.5 * std::log(2 * M_PI)) +
                          (-0.5 * 4.0 / 4.0 - 0.5 * std::log(2 * M_PI * 4.0));
  CHECK(gaussian_log_density(z, mu, logvar).item() == doctest::Approx(expected).epsilon(1e-12));
  CHECK(gaussian_log_density(z).item() ==
        doctest::Approx(-0.5 * 1.25 - std::log(2 * M_PI)).epsilon(1e-12));
}

TEST_CASE(
    "VAE loss, gradients and importance weights match PyTorch (mlp, conv; Bernoulli, Gaussian)") {
  for (const std::string c : {"vae_mlp_bernoulli", "vae_mlp_gaussian", "vae_conv_bernoulli"}) {
    INFO("case ", c);
    VAE vae(options_of(c));
    test::load_state(vae, c);
    const Tensor x = test::fixture_tensor(c + "/x");
    const VAELoss l = vae.loss_with_noise(x, test::fixture_tensor(c + "/eps"));
    const auto& f = test::generative_fixture();
    test::expect_close(l.recon.data(), f.tensor(c + "/recon"), kTol, kTol);
    test::expect_close(l.kl.data(), f.tensor(c + "/kl"), kTol, kTol);
    test::expect_close(l.loss.data(), f.tensor(c + "/loss"), kTol, kTol);
    l.loss.backward();
    test::expect_grads(vae, c, "grad", kTol);
    NoGradGuard no_grad;
    const Tensor log_w = vae.log_importance_weights(x, test::fixture_tensor(c + "/eps_k"));
    test::expect_close(log_w.data(), f.tensor(c + "/log_w"), kTol, kTol);
    test::expect_close(importance_weighted_bound(log_w).data(), f.tensor(c + "/iw_bound"), kTol,
                       kTol);
  }
}

TEST_CASE(
    "VAE bounds: the IW bound with k = 64 is above the ELBO, sampling and reconstruction shapes") {
  core::Generator gen(3);
  VAE vae({.net = {.hidden = {32}}, .latent = 4});
  NoGradGuard no_grad;
  const Tensor x(core::bernoulli({16, 1, 28, 28}, 0.3, DType::f32, gen));
  const double elbo = mean(vae.elbo(x, gen)).item();
  const double iw1 = mean(vae.importance_weighted_bound(x, 1, gen)).item();
  const double iw64 = mean(vae.importance_weighted_bound(x, 64, gen)).item();
  CHECK(std::isfinite(elbo));
  CHECK(iw64 > elbo);
  CHECK(iw64 > iw1);
  CHECK(vae.sample(5, gen).shape() == Shape{5, 1, 28, 28});
  const Tensor r = vae(x);
  CHECK(r.shape() == x.shape());
  CHECK(amin(r).item() >= 0);
  CHECK(amax(r).item() <= 1);
  // The same generator state gives the same bound (seeded noise).
  core::Generator g1(9), g2(9);
  CHECK(mean(vae.elbo(x, g1)).item() == mean(vae.elbo(x, g2)).item());
}

TEST_CASE("VAE errors name the shapes") {
  VAE vae({.net = {.arch = ImageArch::conv, .hidden = {4}}, .latent = 3});
  CHECK_THROWS_WITH(vae.encode(zeros({2, 784})),
                    doctest::Contains("expected images (B, 1, 28, 28)"));
  CHECK_THROWS_WITH(vae.decode(zeros({2, 5})), doctest::Contains("expected latents (B, 3)"));
  CHECK_THROWS_WITH(vae.loss_with_noise(zeros({2, 1, 28, 28}), zeros({2, 4})),
                    doctest::Contains("noise of shape [2,4]"));
  CHECK_THROWS_WITH(VAE({.net = {.arch = ImageArch::conv, .hidden = {4, 8}}}),
                    doctest::Contains("conv takes one hidden entry"));
}
