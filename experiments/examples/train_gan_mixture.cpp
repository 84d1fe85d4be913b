// Trains a GAN on a 2-D Gaussian mixture (ALGORITHMS.md 8c) and reports mode coverage; writes
// scatter plots of real (grey) and generated (blue) samples every --plot-every steps.
//
//   train_gan_mixture [--method gn|gran|wgan-gp|sn] [--loss hinge|ns|wasserstein]
//                     [--mixture circle|grid] [--steps N] [--width W] [--lr LR] [--seed S]
//                     [--out DIR] [--plot-every N]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/gan_losses.hpp"
#include "liandan/nn/generative/images.hpp"
#include "liandan/nn/generative/mixtures.hpp"
#include "liandan/optim/adam.hpp"

using namespace liandan;
using namespace liandan::nn::generative;

namespace {

struct Args {
  std::string method = "gn", loss = "hinge", mixture = "circle", out = "gan_mixture";
  int steps = 2000, width = 128, plot_every = 500, batch = 256, n_critic = 0;
  double lr = 2e-4, gp_lambda = 0.1;
  std::uint64_t seed = 1;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--method")
      a.method = v;
    else if (k == "--loss")
      a.loss = v;
    else if (k == "--mixture")
      a.mixture = v;
    else if (k == "--out")
      a.out = v;
    else if (k == "--steps")
      a.steps = std::stoi(v);
    else if (k == "--width")
      a.width = std::stoi(v);
    else if (k == "--plot-every")
      a.plot_every = std::stoi(v);
    else if (k == "--batch")
      a.batch = std::stoi(v);
    else if (k == "--n-critic")
      a.n_critic = std::stoi(v);
    else if (k == "--lr")
      a.lr = std::stod(v);
    else if (k == "--seed")
      a.seed = std::stoull(v);
    else
      throw Error("train_gan_mixture: unknown option " + k);
  }
  check(a.method == "gn" || a.method == "gran" || a.method == "wgan-gp" || a.method == "sn",
        "train_gan_mixture: --method must be gn, gran, wgan-gp or sn, got {}", a.method);
  return a;
}

GanLoss loss_of(const std::string& s) {
  if (s == "hinge") return GanLoss::hinge;
  if (s == "ns") return GanLoss::non_saturating;
  if (s == "wasserstein") return GanLoss::wasserstein;
  throw Error("train_gan_mixture: --loss must be hinge, ns or wasserstein, got " + s);
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  core::manual_seed(a.seed);
  core::Generator gen(a.seed + 1);
  const Mixture2d mixture = a.mixture == "grid" ? grid25() : eight_circle();
  const double extent = a.mixture == "grid" ? 5.5 : 3;
  const bool wgan_gp = a.method == "wgan-gp";
  const GanLoss loss = wgan_gp ? GanLoss::wasserstein : loss_of(a.loss);
  const int n_critic = a.n_critic > 0 ? a.n_critic : (wgan_gp ? 5 : 1);

  MlpGan g({.in_features = 2, .out_features = 2, .width = a.width, .depth = 3});
  MlpGan d({.in_features = 2,
            .out_features = 1,
            .width = a.width,
            .depth = 3,
            .spectral_norm = a.method == "sn"});
  // ALGORITHMS.md 8c: betas (0.5, 0.9) for WGAN-GP, (0, 0.9) for the normalised critics.
  const optim::AdamOptions adam{.lr = a.lr, .beta1 = wgan_gp ? 0.5 : 0.0, .beta2 = 0.9};
  optim::Adam opt_g(g.named_parameters(), adam), opt_d(d.named_parameters(), adam);
  const CriticFn raw = [&](const Tensor& x) { return d(x); };
  const CriticFn critic = [&](const Tensor& x) {
    if (a.method == "gn") return gradient_normalized(raw, x);
    if (a.method == "gran") return piecewise_gradient_normalized(raw, x);
    return raw(x);
  };
  auto noise = [&](std::int64_t n) { return Tensor(core::normal({n, 2}, 0, 1, DType::f32, gen)); };
  std::filesystem::create_directories(a.out);

  auto report = [&](int step) {
    NoGradGuard no_grad;
    const core::Tensor samples = g(noise(2000)).data();
    const ModeCoverage c = mode_coverage(mixture, samples);
    std::printf("step %5d  modes %2lld/%lld  high-quality %.3f\n", step, (long long)c.covered,
                (long long)c.modes, c.high_quality);
    std::fflush(stdout);
    const std::string path =
        a.out + "/" + a.method + "_" + a.mixture + "_" + std::to_string(step) + ".png";
    save_png(path,
             scatter_plot({{sample_mixture(mixture, 2000, gen), {180, 180, 180}, 1},
                           {samples, {31, 119, 180}, 1}},
                          {.x_min = -extent, .x_max = extent, .y_min = -extent, .y_max = extent}));
  };

  const auto start = std::chrono::steady_clock::now();
  report(0);
  for (int step = 1; step <= a.steps; ++step) {
    for (int k = 0; k < n_critic; ++k) {
      const Tensor real(sample_mixture(mixture, a.batch, gen));
      Tensor fake;
      {
        NoGradGuard no_grad;
        fake = g(noise(a.batch));
      }
      Tensor d_loss = critic_loss(loss, critic(real), critic(fake));
      if (wgan_gp) d_loss = d_loss + gradient_penalty(raw, real, fake, gen) * a.gp_lambda;
      opt_d.zero_grad();
      d_loss.backward();
      opt_d.step();
    }
    const Tensor g_loss = generator_loss(loss, critic(g(noise(a.batch))));
    opt_g.zero_grad();
    g_loss.backward();
    opt_g.step();
    if (step % a.plot_every == 0 || step == a.steps) report(step);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d steps in %.1f s (%.1f ms/step)\n", a.steps, seconds, 1000 * seconds / a.steps);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
