// The generative tasks (nn/generative): a VAE, an EAE and a DCGAN on Fashion-MNIST (with the FID
// of fid.hpp when eval.fid_classifier is set), a GAN on a 2-D Gaussian mixture. Each writes PNGs
// of its samples into the run directory at eval steps.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "liandan/data/idx.hpp"
#include "liandan/data/loader.hpp"
#include "liandan/data/synthetic.hpp"
#include "liandan/experiments/fid.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/generative/eae.hpp"
#include "liandan/nn/generative/gan.hpp"
#include "liandan/nn/generative/gan_losses.hpp"
#include "liandan/nn/generative/images.hpp"
#include "liandan/nn/generative/mixtures.hpp"
#include "liandan/nn/generative/vae.hpp"

namespace liandan::experiments {

// ---- Fashion-MNIST: shuffled training batches from a DataLoader seeded by data_seed(seed, 0);
// the eval set is the first eval_size test images.

struct FashionData {
  std::string dir = data::kFashionMnistDir;
  std::int64_t batch_size = 128;
  std::int64_t eval_size = 1000;
  FidOptions fid = {};  // eval.fid_classifier and eval.fid_samples; fid.data_dir = dir
};

// Image encoder / decoder from model.arch and model.width: mlp hidden (2w, w), conv w channels.
nn::generative::ImageNetOptions image_net(const std::string& arch, std::int64_t width);

// Images in [0, 1] from n latents z ~ N(0, I) drawn from gen: (n, 1, 28, 28).
using ImageSampler = std::function<core::Tensor(std::int64_t n, core::Generator& gen)>;

// What the Fashion-MNIST tasks share: the loader (batches of loader_batch images), its state as
// the sampler state, the eval images, the FID (fid.hpp) and a generator for evaluation noise
// re-seeded at every use (so metrics and pictures depend only on the parameters).
class FashionTask : public Task {
 public:
  Batch next_batch() override;
  core::NamedTensors sampler_state() const override;
  void load_sampler_state(const core::NamedTensors& state) override;

 protected:
  FashionTask(const FashionData& options, std::uint64_t seed, std::int64_t loader_batch);
  // The eval images in chunks of at most 100: (n, 1, 28, 28).
  std::vector<Tensor> eval_chunks() const;
  core::Generator eval_generator() const { return core::Generator(data_seed(seed_, 1)); }
  // metrics["fid"] of fid.samples images from sample when eval.fid_classifier is set.
  void add_fid(std::map<std::string, double>& metrics, const ImageSampler& sample) const;
  // interpolation_step_<step>.png: 8 rows, each 10 images decoded from the straight line between
  // two latents z ~ N(0, I) (latent dims) of the eval generator (interpolate_latents).
  void save_interpolations(const std::filesystem::path& run_dir, std::int64_t step,
                           std::int64_t latent, const std::function<Tensor(const Tensor&)>& decode,
                           const nn::generative::GridOptions& grid = {}) const;

  FashionData data_;
  std::uint64_t seed_;
  data::DataLoader loader_;
  std::int64_t loader_batch_;
  core::Tensor eval_images_;         // (eval_size, 1, 28, 28) in [0, 1]
  std::unique_ptr<FashionFid> fid_;  // null without eval.fid_classifier
};

struct VaeTaskOptions {
  FashionData data;
  nn::generative::VAEOptions vae;
  std::int64_t iw_samples = 64;  // k of the eval's importance-weighted bound
};

// Trains the negative (beta-)ELBO with noise from the default generator. Eval: "elbo" and
// "iw_bound" (nats per image, the bounds with beta = 1), "kl" and "fid" (of the decoder's mean
// images); pictures: 64 samples, 16 test images over their reconstructions, interpolations.
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
// codes), "loss" and "fid"; pictures: 64 samples D(z ~ N(0, I)), reconstructions,
// interpolations.
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

// ---- GAN training, shared by gan_mixture and gan_fashion (ALGORITHMS.md 8).

enum class CriticKind {
  gn,       // GN-GAN: the critic f_hat = f / (||grad f|| + |f|)
  gran,     // GraN-GAN: K f ||grad f|| / (||grad f||^2 + eps)
  wgan_gp,  // the raw critic, plus gp_lambda times the gradient penalty in the critic loss
  sn,       // spectral norm on every critic layer
};

// How the critic is normalised and trained: model.critic, model.loss, model.n_dis,
// model.gp_lambda.
struct GanObjective {
  CriticKind critic = CriticKind::gn;
  nn::generative::GanLoss loss = nn::generative::GanLoss::hinge;
  std::int64_t n_dis = 1;  // critic updates per step
  double gp_lambda = 0.1;  // wgan_gp only (gan_toy.py's 0.1; the paper's 10 for images)
};

// The critic as the losses see it: f_hat (gn), g_hat (gran) or raw (wgan_gp, sn). (B, 1)
Tensor normalized_critic(CriticKind kind, const nn::generative::CriticFn& raw, const Tensor& x);

// The networks of one GAN step: raw(x) the critic's output (B, 1), generate(n, gen) n fakes from
// z ~ N(0, I) drawn from gen.
struct GanNets {
  nn::generative::CriticFn raw;
  std::function<Tensor(std::int64_t n, core::Generator& gen)> generate;
};

// One GAN step (Note [Multi-update steps]): n_dis critic updates ("critic."), the k-th on rows
// [k B, (k + 1) B) of real (n_dis B, ...) and B fakes, then one generator update ("generator.");
// noise from the default generator. Returns "loss" and "grad_norm" of the last critic update,
// "generator_loss" and "generator_grad_norm".
StepResult gan_step(const GanObjective& objective, const GanNets& nets, const Tensor& real,
                    std::int64_t batch, const UpdateFn& update);

// ---- GAN on a 2-D Gaussian mixture (ALGORITHMS.md 8c).

struct GanMixtureOptions {
  std::string mixture = "ring";  // data::GaussianMixture::ring (8 modes) or ::grid (25)
  std::int64_t dataset_size = 65536;
  std::int64_t batch_size = 256;  // B, per critic update and for the generator update
  std::int64_t eval_size = 2000;  // generated points judged by mode_coverage
  GanObjective objective = {};
  std::int64_t z_dim = 2;
  std::int64_t width = 128;
  std::int64_t depth = 3;
};

// model() holds "generator." (MlpGan z -> 2) and "critic." (MlpGan 2 -> 1); a step is gan_step
// (a batch holds n_dis * B real points). Eval: "modes" covered and "high_quality" fraction of
// eval_size samples (nn::generative::mode_coverage); pictures: real (grey) and generated (blue)
// points.
class GanMixtureTask : public Task {
 public:
  GanMixtureTask(const GanMixtureOptions& options, std::uint64_t seed);
  nn::Module& model() override { return model_; }
  Batch next_batch() override;
  StepResult train_step(const Batch& batch, const UpdateFn& update) override;
  std::map<std::string, double> evaluate() override;
  bool higher_is_better(const std::string& metric) const override;
  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override;
  core::NamedTensors sampler_state() const override;
  void load_sampler_state(const core::NamedTensors& state) override;

 private:
  struct Pair : nn::Module {
    Pair(const GanMixtureOptions& options);
    nn::generative::MlpGan generator, critic;
  };
  Tensor generate(std::int64_t n, core::Generator& gen);

  GanMixtureOptions options_;
  std::uint64_t seed_;
  Pair model_;
  std::shared_ptr<data::GaussianMixture> dataset_;
  nn::generative::Mixture2d mixture_;  // the dataset's centres and std, for mode_coverage
  data::DataLoader loader_;
};

// ---- DCGAN on Fashion-MNIST

struct GanFashionOptions {
  FashionData data;  // data.batch_size is B, per critic update and for the generator update
  // GN-GAN's CNN setting (ALGORITHMS.md 8a): non-saturating loss on f_hat, n_dis 1.
  GanObjective objective = {.critic = CriticKind::gn,
                            .loss = nn::generative::GanLoss::non_saturating,
                            .n_dis = 1,
                            .gp_lambda = 10};
  nn::generative::DCGANOptions net = {.z_dim = 64, .width = 32};
};

// model() holds "generator." (DCGANGenerator) and "critic." (DCGANCritic); real images are
// mapped to the generator's (-1, 1) by 2x - 1; a step is gan_step (a batch holds n_dis * B
// images). Eval (generator BatchNorm on running statistics): "critic_gap", the mean critic
// output (as the loss sees it) on the eval images minus that on as many samples, and "fid" of
// the samples mapped to [0, 1]; pictures: 64 samples and interpolations.
class GanFashionTask : public FashionTask {
 public:
  GanFashionTask(const GanFashionOptions& options, std::uint64_t seed);
  nn::Module& model() override { return model_; }
  StepResult train_step(const Batch& batch, const UpdateFn& update) override;
  std::map<std::string, double> evaluate() override;
  void save_samples(const std::filesystem::path& run_dir, std::int64_t step) override;

 private:
  struct Pair : nn::Module {
    Pair(const GanFashionOptions& options);
    nn::generative::DCGANGenerator generator;
    nn::generative::DCGANCritic critic;
  };
  GanNets nets();

  GanFashionOptions options_;
  Pair model_;
};

// The rows of task_table(): vae_fashion, eae_fashion, gan_mixture, gan_fashion.
TaskEntry vae_fashion_entry();
TaskEntry eae_fashion_entry();
TaskEntry gan_mixture_entry();
TaskEntry gan_fashion_entry();

}  // namespace liandan::experiments
