// The Fashion-MNIST FID: Note [Fashion FID] in fid.hpp.
#include "liandan/experiments/fid.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "liandan/autograd/autograd.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/trainer.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

constexpr std::int64_t kChunk = 250;  // images per classifier or generator pass

std::string how_to_train(const std::string& dir) {
  return fmt::format(
      "train the classifier first: liandan train experiments/configs/fid_classifier.yaml --out {}",
      dir);
}

}  // namespace

FashionFid::FashionFid(const FidOptions& options) : options_(options) {
  const std::string& dir = options.classifier;
  const RunDir run(dir);
  check(fs::exists(run.config()), "eval.fid_classifier: '{}' holds no run (no config.yaml); {}",
        dir, how_to_train(dir));
  check(run.latest_checkpoint().has_value(), "eval.fid_classifier: '{}' has no checkpoint; {}", dir,
        how_to_train(dir));
  TrainedRun trained = load_trained_run(dir, "eval.fid_classifier");
  classifier_ = std::move(trained.task);
  classifier_->model().eval();

  const auto test = data::fashion_mnist({.dir = options.data_dir, .train = false});
  check(options.samples >= 2 && options.samples <= test->size(),
        "eval.fid_samples: {} must be in [2, {}] (the test images)", options.samples, test->size());
  const core::Tensor reals = test->tensors()["image"].narrow(0, 0, options.samples);
  const std::optional<Tensor> probe = classifier_->image_features(Tensor(reals.narrow(0, 0, 2)));
  check(probe.has_value(),
        "eval.fid_classifier: '{}' is a run of task '{}', which gives no image features; {}", dir,
        trained.task_name, how_to_train(dir));
  real_ = generative::feature_moments(features(reals));
}

core::Tensor FashionFid::features(const core::Tensor& images) const {
  check(images.dim() == 4 && images.size(0) >= 1, "FID: images must be (n, 1, 28, 28), got {}",
        images.shape());
  NoGradGuard no_grad;
  std::vector<Tensor> chunks;
  for (std::int64_t i = 0; i < images.size(0); i += kChunk) {
    const std::int64_t n = std::min(kChunk, images.size(0) - i);
    chunks.push_back(*classifier_->image_features(Tensor(images.narrow(0, i, n).contiguous())));
  }
  return cat(chunks, 0).data();  // (n, F)
}

double FashionFid::operator()(const core::Tensor& images) const {
  return generative::frechet_distance(generative::feature_moments(features(images)), real_);
}

double FashionFid::of_samples(
    const std::function<core::Tensor(std::int64_t n, core::Generator& gen)>& sample,
    std::uint64_t seed) const {
  core::Generator gen(seed);
  std::vector<Tensor> chunks;
  for (std::int64_t i = 0; i < options_.samples; i += kChunk) {
    const core::Tensor images = sample(std::min(kChunk, options_.samples - i), gen);
    chunks.push_back(Tensor(features(images)));
  }
  return generative::frechet_distance(generative::feature_moments(cat(chunks, 0).data()), real_);
}

std::unique_ptr<FashionFid> make_fid(const FidOptions& options) {
  if (options.classifier.empty()) return nullptr;
  return std::make_unique<FashionFid>(options);
}

}  // namespace liandan::experiments
