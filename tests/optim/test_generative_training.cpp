// Short training runs of the generative models with optim::Adam (seconds each, f32): the VAE's
// loss falls on synthetic binary images, the EAE's loss falls and its codes' entropy rises, and a
// GN-GAN on the 8-Gaussian circle gains mode coverage over its first few hundred steps.
#include <doctest/doctest.h>

#include <cstdio>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/eae.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/gan_losses.hpp"
#include "liandan/nn/generative/mixtures.hpp"
#include "liandan/nn/generative/vae.hpp"
#include "liandan/optim/adam.hpp"

using namespace liandan;
using namespace liandan::nn::generative;

namespace {

// n binary 28x28 images: one of 4 stripe prototypes (rows or columns, period 4 or 7) with 5% of
// the pixels flipped. (n, 1, 28, 28)
Tensor stripe_images(std::int64_t n, core::Generator& gen) {
  const auto kind = core::randint(0, 4, {n}, gen).to_vector<std::int64_t>();
  const auto flip = core::bernoulli({n, 28 * 28}, 0.05, DType::f64, gen).to_vector<double>();
  std::vector<float> px(n * 28 * 28);
  for (std::int64_t i = 0; i < n; ++i)
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const int period = kind[i] < 2 ? 4 : 7, coord = kind[i] % 2 ? x : y;
        const bool on = (coord % period) < period / 2;
        px[(i * 28 + y) * 28 + x] = (on != (flip[i * 784 + y * 28 + x] > 0)) ? 1.f : 0.f;
      }
  return tensor<float>(px, {n, 1, 28, 28});
}

}  // namespace

TEST_CASE("VAE training on synthetic binary images lowers the loss and raises the IW bound") {
  core::manual_seed(1);
  core::Generator gen(2);
  VAE vae({.net = {.hidden = {64}}, .latent = 4});
  optim::Adam opt(vae.named_parameters(), {.lr = 2e-3});
  const Tensor test_x = stripe_images(64, gen);
  auto test_loss = [&] {
    NoGradGuard no_grad;
    core::Generator g(7);
    return vae.loss(test_x, g).loss.item();
  };
  const double before = test_loss();
  double iw_before;
  {
    NoGradGuard no_grad;
    core::Generator g(8);
    iw_before = mean(vae.importance_weighted_bound(test_x, 16, g)).item();
  }
  for (int step = 0; step < 150; ++step) {
    const VAELoss l = vae.loss(stripe_images(32, gen), gen);
    opt.zero_grad();
    l.loss.backward();
    opt.step();
  }
  const double after = test_loss();
  NoGradGuard no_grad;
  core::Generator g(8);
  const double iw_after = mean(vae.importance_weighted_bound(test_x, 16, g)).item();
  MESSAGE("VAE test loss " << before << " -> " << after << ", IW-16 bound " << iw_before << " -> "
                           << iw_after);
  CHECK(after < 0.5 * before);
  CHECK(iw_after > iw_before);
  CHECK(iw_after > -after - 1);  // the IW bound is (about) above the ELBO
}

TEST_CASE("EAE training on synthetic binary images lowers the reconstruction error") {
  core::manual_seed(3);
  core::Generator gen(4);
  EAE eae({.net = {.hidden = {64}}, .latent = 4, .lambda = 1.0});
  optim::Adam opt(eae.named_parameters(), {.lr = 2e-3});
  double first = 0, last = 0;
  for (int step = 0; step < 120; ++step) {
    const EAELoss l = eae.loss(stripe_images(64, gen));
    const double recon = mean(l.recon).item();
    if (step < 10) first += recon / 10;
    if (step >= 110) last += recon / 10;
    opt.zero_grad();
    l.loss.backward();
    opt.step();
  }
  MESSAGE("EAE reconstruction error " << first << " -> " << last);
  CHECK(last < 0.5 * first);
}

TEST_CASE("GN-GAN on the 8-Gaussian circle gains mode coverage in a few hundred steps") {
  core::manual_seed(5);
  core::Generator gen(6);
  const Mixture2d circle = eight_circle();
  MlpGan g({.in_features = 2, .out_features = 2, .width = 64, .depth = 3});
  MlpGan d({.in_features = 2, .out_features = 1, .width = 64, .depth = 3});
  const optim::AdamOptions adam{.lr = 1e-3, .beta1 = 0.0, .beta2 = 0.9};
  optim::Adam opt_g(g.named_parameters(), adam), opt_d(d.named_parameters(), adam);
  const CriticFn critic = [&](const Tensor& x) {
    return gradient_normalized([&](const Tensor& y) { return d(y); }, x);
  };
  auto noise = [&](std::int64_t n) { return Tensor(core::normal({n, 2}, 0, 1, DType::f32, gen)); };
  // 7 std = 0.14: ALGORITHMS.md 8c's 0.1 in gan_toy.py's units (divided by 1.414).
  const ModeCoverageOptions loose{.radius_in_std = 7};
  auto coverage = [&] {
    NoGradGuard no_grad;
    return mode_coverage(circle, g(noise(2000)).data(), loose);
  };
  const ModeCoverage before = coverage();
  for (int step = 0; step < 500; ++step) {
    const Tensor real(sample_mixture(circle, 128, gen));
    Tensor fake;
    {
      NoGradGuard no_grad;
      fake = g(noise(128));
    }
    const Tensor d_loss = critic_loss(GanLoss::hinge, critic(real), critic(fake));
    opt_d.zero_grad();
    d_loss.backward();
    opt_d.step();
    const Tensor g_loss = generator_loss(GanLoss::hinge, critic(g(noise(128))));
    opt_g.zero_grad();
    g_loss.backward();
    opt_g.step();
  }
  const ModeCoverage after = coverage();
  MESSAGE("GN-GAN modes " << before.covered << " -> " << after.covered << " of 8, high-quality "
                          << before.high_quality << " -> " << after.high_quality);
  CHECK(after.covered >= before.covered + 3);
  CHECK(after.high_quality > before.high_quality + 0.1);
}
