// Trains a VAE, an EAE or a GN-DCGAN on Fashion-MNIST (or synthetic stripes when the IDX files
// are missing) and writes PNG grids: reconstructions, samples and latent interpolations.
// Reports the test ELBO and the importance-weighted bound (k = 64) for the VAE.
//
//   train_fashion_generative [--model vae|eae|gan] [--arch mlp|conv] [--steps N] [--batch B]
//                            [--latent D] [--lr LR] [--lambda L] [--seed S] [--out DIR]
//                            [--data DIR]
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/generative/eae.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/gan_losses.hpp"
#include "liandan/nn/generative/images.hpp"
#include "liandan/nn/generative/vae.hpp"
#include "liandan/optim/adam.hpp"

using namespace liandan;
using namespace liandan::nn::generative;

namespace {

struct Args {
  std::string model = "vae", arch = "mlp", out = "fashion_generative",
              data = "/usr/share/datasets/fashion-mnist";
  int steps = 500, batch = 128, latent = 20;
  double lr = 1e-3, lambda = 1.0;
  std::uint64_t seed = 1;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model")
      a.model = v;
    else if (k == "--arch")
      a.arch = v;
    else if (k == "--out")
      a.out = v;
    else if (k == "--data")
      a.data = v;
    else if (k == "--steps")
      a.steps = std::stoi(v);
    else if (k == "--batch")
      a.batch = std::stoi(v);
    else if (k == "--latent")
      a.latent = std::stoi(v);
    else if (k == "--lr")
      a.lr = std::stod(v);
    else if (k == "--lambda")
      a.lambda = std::stod(v);
    else if (k == "--seed")
      a.seed = std::stoull(v);
    else
      throw Error("train_fashion_generative: unknown option " + k);
  }
  return a;
}

// A minimal reader of gzipped IDX image files (magic 0x803), values scaled to [0, 1]:
// (n, 1, rows, cols). Stands in until the data library's loader is wired in.
core::Tensor read_idx_images(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  check(f != nullptr, "read_idx_images: cannot open {}", path);
  unsigned char header[16];
  const bool ok = gzread(f, header, 16) == 16;
  auto be32 = [&](int o) {
    return (std::int64_t(header[o]) << 24) | (header[o + 1] << 16) | (header[o + 2] << 8) |
           header[o + 3];
  };
  if (!ok || be32(0) != 0x803) {
    gzclose(f);
    throw Error(fmt::format("read_idx_images: {} is not an IDX image file", path));
  }
  const std::int64_t n = be32(4), rows = be32(8), cols = be32(12);
  std::vector<unsigned char> bytes(n * rows * cols);
  const bool complete = gzread(f, bytes.data(), bytes.size()) == static_cast<int>(bytes.size());
  gzclose(f);
  check(complete, "read_idx_images: {} is truncated", path);
  std::vector<float> px(bytes.begin(), bytes.end());
  for (float& v : px) v /= 255.f;
  return core::Tensor::from(std::span<const float>(px), {n, 1, rows, cols});
}

// Synthetic stand-in: stripes of 4 kinds, 5% of the pixels flipped.
core::Tensor stripes(std::int64_t n, core::Generator& gen) {
  const auto kind = core::randint(0, 4, {n}, gen).to_vector<std::int64_t>();
  const auto flip = core::bernoulli({n, 784}, 0.05, DType::f64, gen).to_vector<double>();
  std::vector<float> px(n * 784);
  for (std::int64_t i = 0; i < n; ++i)
    for (int p = 0; p < 784; ++p) {
      const int period = kind[i] < 2 ? 4 : 7, coord = kind[i] % 2 ? p % 28 : p / 28;
      px[i * 784 + p] = ((coord % period) < period / 2) != (flip[i * 784 + p] > 0) ? 1.f : 0.f;
    }
  return core::Tensor::from(std::span<const float>(px), {n, 1, 28, 28});
}

Tensor batch_of(const core::Tensor& images, std::int64_t b, core::Generator& gen) {
  const core::Tensor idx = core::randint(0, images.size(0), {b}, gen);
  return index_select(Tensor(images), 0, Tensor(idx));
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  core::manual_seed(a.seed);
  core::Generator gen(a.seed + 1);
  core::Tensor train, test;
  if (std::filesystem::exists(a.data + "/train-images-idx3-ubyte.gz")) {
    train = read_idx_images(a.data + "/train-images-idx3-ubyte.gz");
    test = read_idx_images(a.data + "/t10k-images-idx3-ubyte.gz").narrow(0, 0, 1000);
  } else {
    std::printf("no Fashion-MNIST in %s: synthetic stripes\n", a.data.c_str());
    train = stripes(10000, gen), test = stripes(1000, gen);
  }
  std::filesystem::create_directories(a.out);
  const std::string prefix = a.out + "/" + a.model + "_" + a.arch + "_";
  const ImageNetOptions net{.arch = a.arch == "conv" ? ImageArch::conv : ImageArch::mlp,
                            .hidden = a.arch == "conv" ? std::vector<std::int64_t>{32}
                                                       : std::vector<std::int64_t>{512, 256}};
  const Tensor shown = Tensor(test.narrow(0, 0, 16));
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  if (a.model == "vae" || a.model == "eae") {
    std::unique_ptr<nn::Module> model;
    VAE* vae = nullptr;
    EAE* eae = nullptr;
    if (a.model == "vae")
      model = std::make_unique<VAE>(VAEOptions{.net = net, .latent = a.latent}),
      vae = static_cast<VAE*>(model.get());
    else
      model = std::make_unique<EAE>(EAEOptions{.net = net, .latent = a.latent, .lambda = a.lambda}),
      eae = static_cast<EAE*>(model.get());
    optim::Adam opt(model->named_parameters(), {.lr = a.lr});
    for (int step = 1; step <= a.steps; ++step) {
      const Tensor x = batch_of(train, a.batch, gen);
      const Tensor loss = vae ? vae->loss(x, gen).loss : eae->loss(x).loss;
      opt.zero_grad();
      loss.backward();
      opt.step();
      if (step % 100 == 0 || step == a.steps)
        std::printf("step %5d  loss %.3f  (%.1f s)\n", step, loss.item(), elapsed()),
            std::fflush(stdout);
    }
    model->eval();
    NoGradGuard no_grad;
    if (vae) {
      core::Generator eval_gen(99);
      const Tensor x = Tensor(test);
      const double elbo = mean(vae->elbo(x, eval_gen)).item();
      double iw = 0;  // in chunks of 100 images: 64 decoder passes each
      for (std::int64_t i = 0; i < test.size(0); i += 100)
        iw += sum(vae->importance_weighted_bound(Tensor(test.narrow(0, i, 100)), 64, eval_gen))
                  .item();
      std::printf("test (first %lld images): ELBO %.2f nats, IW bound (k=64) %.2f nats\n",
                  (long long)test.size(0), elbo, iw / test.size(0));
    }
    const Tensor recon = (*model)(shown);
    save_image_grid(prefix + "reconstructions.png", cat({shown, recon}, 0).data(), 16);
    const Tensor samples = vae ? vae->sample(64, gen) : eae->sample(64, gen);
    save_image_grid(prefix + "samples.png", samples.data(), 8);
    // Interpolations between the codes (posterior means) of pairs of test images.
    const Tensor codes = vae ? vae->encode(shown).mu : eae->encode(shown);
    const core::Tensor z =
        interpolate_latents(codes.data().narrow(0, 0, 8), codes.data().narrow(0, 8, 8), 10);
    const Tensor decoded = vae ? vae->mean_image(vae->decode(Tensor(z))) : eae->decode(Tensor(z));
    save_image_grid(prefix + "interpolations.png", decoded.data(), 10);
  } else {
    check(a.model == "gan", "train_fashion_generative: --model must be vae, eae or gan, got {}",
          a.model);
    // GN-GAN, NS loss on f_hat, Adam (0, 0.9), n_dis = 1: GN-GAN's CIFAR-10 CNN configuration.
    DCGANGenerator g({.z_dim = a.latent, .width = 32});
    DCGANCritic d({.width = 32});
    const optim::AdamOptions adam{.lr = a.lr, .beta1 = 0.0, .beta2 = 0.9};
    optim::Adam opt_g(g.named_parameters(), adam), opt_d(d.named_parameters(), adam);
    const CriticFn critic = [&](const Tensor& x) {
      return gradient_normalized([&](const Tensor& y) { return d(y); }, x);
    };
    for (int step = 1; step <= a.steps; ++step) {
      const Tensor real = batch_of(train, a.batch, gen) * 2.0 - 1.0;  // tanh range
      Tensor fake;
      {
        NoGradGuard no_grad;
        fake = g.sample(a.batch, gen);
      }
      const Tensor d_loss = critic_loss(GanLoss::non_saturating, critic(real), critic(fake));
      opt_d.zero_grad();
      d_loss.backward();
      opt_d.step();
      const Tensor g_loss = generator_loss(GanLoss::non_saturating, critic(g.sample(a.batch, gen)));
      opt_g.zero_grad();
      g_loss.backward();
      opt_g.step();
      if (step % 10 == 0 || step == a.steps)
        std::printf("step %5d  D %.4f  G %.4f  (%.1f s)\n", step, d_loss.item(), g_loss.item(),
                    elapsed()),
            std::fflush(stdout);
    }
    g.eval();
    NoGradGuard no_grad;
    save_image_grid(prefix + "samples.png", g.sample(64, gen).data(), 8, {.low = -1, .high = 1});
  }
  std::printf("done in %.1f s; PNGs in %s\n", elapsed(), a.out.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
