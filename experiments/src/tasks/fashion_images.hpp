// What the Fashion-MNIST generative tasks (vae_fashion, eae_fashion, gan_fashion) share: their
// data.* and eval.fid_samples keys, shuffled training batches, the eval images, the FID and the
// PNGs of samples, reconstructions and interpolations.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "liandan/core/fields.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/data/loader.hpp"
#include "liandan/experiments/fid.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/generative/image_nets.hpp"
#include "liandan/nn/generative/images.hpp"

namespace liandan::experiments {

// Training batches from a DataLoader seeded by data_seed(seed, 0); the eval set is the first
// eval_size test images.
struct FashionData {
  std::string dir = data::kFashionMnistDir;
  std::int64_t batch_size = 128;
  std::int64_t eval_size = 1000;
  std::int64_t fid_samples = 2000;  // N of the FID (fid.hpp)
};
const Fields<FashionData>& fields(const FashionData*);

// An encoder / decoder pair's shape, model.arch and model.width: mlp hidden (2w, w), conv w
// channels.
struct ImageNetShape {
  nn::generative::ImageArch arch = nn::generative::ImageArch::mlp;
  std::int64_t width = 256;
  nn::generative::ImageNetOptions options() const;
  // model (a VAEOptions, an EAEOptions) with this encoder / decoder.
  template <typename ModelOptions>
  ModelOptions applied_to(ModelOptions model) const {
    model.net = options();
    return model;
  }
};
const Fields<ImageNetShape>& fields(const ImageNetShape*);

// Images in [0, 1] from n latents z ~ N(0, I) drawn from gen: (n, 1, 28, 28).
using ImageSampler = std::function<core::Tensor(std::int64_t n, core::Generator& gen)>;

// The base of the Fashion-MNIST tasks: the loader (batches of loader_batch images) and its
// state as the sampler state, the eval images, the FID when the runner hands a classifier,
// and a generator for evaluation noise re-seeded at every use (so metrics and pictures depend
// only on the parameters).
class FashionImageTask : public Task {
 public:
  Batch next_batch() override;
  core::NamedTensors sampler_state() const override;
  void load_sampler_state(const core::NamedTensors& state) override;

 protected:
  FashionImageTask(const FashionData& options, const TaskContext& context,
                   std::int64_t loader_batch);
  // The eval images in chunks of at most 100: (n, 1, 28, 28).
  std::vector<Tensor> eval_chunks() const;
  core::Generator eval_generator() const { return core::Generator(data_seed(seed_, 1)); }
  // metrics["fid"] of fid_samples images from sample when the run has a FID classifier.
  void add_fid(std::map<std::string, double>& metrics, const ImageSampler& sample) const;
  // <what>_step_<step>.png in run_dir.
  static std::string png_path(const std::filesystem::path& run_dir, const char* what,
                              std::int64_t step);
  // reconstructions_step_<step>.png: the first 16 eval images over reconstruct(them).
  void save_reconstructions(const std::filesystem::path& run_dir, std::int64_t step,
                            const std::function<Tensor(const Tensor&)>& reconstruct) const;
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
  std::unique_ptr<FashionFid> fid_;  // null without a FID classifier
};

}  // namespace liandan::experiments
