// The generative tasks (nn/generative): a VAE and an EAE on Fashion-MNIST, a GAN on a 2-D
// Gaussian mixture. Each writes PNGs of its samples into the run directory at eval steps.
#pragma once

#include <memory>
#include <string>

#include "liandan/data/idx.hpp"
#include "liandan/data/loader.hpp"
#include "liandan/data/synthetic.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/generative/eae.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/gan_losses.hpp"
#include "liandan/nn/generative/mixtures.hpp"
#include "liandan/nn/generative/vae.hpp"

namespace liandan::experiments {

// ---- Fashion-MNIST: shuffled training batches from a DataLoader seeded by data_seed(seed, 0);
// the eval set is the first eval_size test images.

struct FashionData {
  std::string dir = data::kFashionMnistDir;
  std::int64_t batch_size = 128;
  std::int64_t eval_size = 1000;
};

// Image encoder / decoder from model.arch and model.width: mlp hidden (2w, w), conv w channels.
nn::generative::ImageNetOptions image_net(const std::string& arch, std::int64_t width);

// What the VAE and EAE tasks share: the loader, its state as the sampler state, the eval images
// and a generator for evaluation noise re-seeded at every use (so metrics and pictures depend
// only on the parameters).
class FashionTask : public Task {
 public:
  Batch next_batch() override;
  nn::NamedTensors sampler_state() const override;
  void load_sampler_state(const nn::NamedTensors& state) override;

 protected:
  FashionTask(const FashionData& options, std::uint64_t seed);
  // The eval images in chunks of at most 100: (n, 1, 28, 28).
  std::vector<Tensor> eval_chunks() const;
  core::Generator eval_generator() const { return core::Generator(data_seed(seed_, 1)); }

  FashionData data_;
  std::uint64_t seed_;
  data::DataLoader loader_;
  core::Tensor eval_images_;  // (eval_size, 1, 28, 28) in [0, 1]
};

struct VaeTaskOptions {
  FashionData data;
  nn::generative::VAEOptions vae;
  std::int64_t iw_samples = 64;  // k of the eval's importance-weighted bound
};

// Trains the negative (beta-)ELBO with noise from the default generator. Eval: "elbo" and
// "iw_bound" (nats per image, the bounds with beta = 1) and "kl"; pictures: 64 samples and 16
// test images over their reconstructions.
class VaeTask : public FashionTask {
 public:
  VaeTask(const VaeTaskOptions& options, std::uint64_t seed);
  nn::Module& model() override { return vae_; }
  Tensor loss(const Batch& batch) override;
  std::map<std::string, double> evaluate() override;
  bool higher_is_better(const std::string& metric) const override;
  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override;

 private:
  VaeTaskOptions options_;
  nn::generative::VAE vae_;
};

struct EaeTaskOptions {
  FashionData data;
  nn::generative::EAEOptions eae;
};

// Trains mean ||x - D(z)||^2 - lambda H(z). Eval (BatchNorm on running statistics): "recon"
// (squared error summed over pixels, per image), "entropy" (the kNN estimate over the eval
// codes) and "loss"; pictures: 64 samples D(z ~ N(0, I)) and reconstructions.
class EaeTask : public FashionTask {
 public:
  EaeTask(const EaeTaskOptions& options, std::uint64_t seed);
  nn::Module& model() override { return eae_; }
  Tensor loss(const Batch& batch) override;
  std::map<std::string, double> evaluate() override;
  bool higher_is_better(const std::string& metric) const override { return metric == "entropy"; }
  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override;

 private:
  EaeTaskOptions options_;
  nn::generative::EAE eae_;
};

// ---- GAN on a 2-D Gaussian mixture (ALGORITHMS.md 8c).

enum class CriticKind {
  gn,       // GN-GAN: the critic f_hat = f / (||grad f|| + |f|)
  gran,     // GraN-GAN: K f ||grad f|| / (||grad f||^2 + eps)
  wgan_gp,  // the raw critic, plus gp_lambda times the gradient penalty in the critic loss
  sn,       // spectral norm on every critic layer
};

struct GanMixtureOptions {
  std::string mixture = "ring";  // data::GaussianMixture::ring (8 modes) or ::grid (25)
  std::int64_t dataset_size = 65536;
  std::int64_t batch_size = 256;  // B, per critic update and for the generator update
  std::int64_t eval_size = 2000;  // generated points judged by mode_coverage
  CriticKind critic = CriticKind::gn;
  nn::generative::GanLoss loss = nn::generative::GanLoss::hinge;
  std::int64_t n_dis = 1;  // critic updates per step
  double gp_lambda = 0.1;  // wgan_gp only (gan_toy.py's 0.1)
  std::int64_t z_dim = 2;
  std::int64_t width = 128;
  std::int64_t depth = 3;
};

// model() holds "generator." (MlpGan z -> 2) and "critic." (MlpGan 2 -> 1). A step (Note
// [Multi-update steps]) is n_dis critic updates, each on its own B real points (a batch holds
// n_dis * B of them) and B fakes, then one generator update; noise comes from the default
// generator. Logged: "loss" and "grad_norm" of the last critic update, "generator_loss",
// "generator_grad_norm". Eval: "modes" covered and "high_quality" fraction of eval_size samples
// (nn::generative::mode_coverage); pictures: real (grey) and generated (blue) points.
class GanMixtureTask : public Task {
 public:
  GanMixtureTask(const GanMixtureOptions& options, std::uint64_t seed);
  nn::Module& model() override { return model_; }
  Batch next_batch() override;
  StepResult train_step(const Batch& batch, const UpdateFn& update) override;
  std::map<std::string, double> evaluate() override;
  bool higher_is_better(const std::string& metric) const override;
  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override;
  nn::NamedTensors sampler_state() const override;
  void load_sampler_state(const nn::NamedTensors& state) override;

 private:
  struct Pair : nn::Module {
    Pair(const GanMixtureOptions& options);
    nn::generative::MlpGan generator, critic;
  };
  Tensor critic_out(const Tensor& x);  // the critic as the loss sees it (B, 1)
  Tensor generate(std::int64_t n, core::Generator& gen);

  GanMixtureOptions options_;
  std::uint64_t seed_;
  Pair model_;
  std::shared_ptr<data::GaussianMixture> dataset_;
  nn::generative::Mixture2d mixture_;  // the dataset's centres and std, for mode_coverage
  data::DataLoader loader_;
};

// The rows of task_table(): vae_fashion, eae_fashion, gan_mixture.
TaskEntry vae_fashion_entry();
TaskEntry eae_fashion_entry();
TaskEntry gan_mixture_entry();

}  // namespace liandan::experiments
