// The Fashion-MNIST FID: Note [Fashion FID] in fid.hpp.
#include "liandan/experiments/fid.hpp"

#include <algorithm>

#include "liandan/autograd/autograd.hpp"

namespace liandan::experiments {
namespace generative = nn::generative;
namespace {

constexpr std::int64_t kChunk = 250;  // images per classifier or generator pass

}  // namespace

FashionFid::FashionFid(std::shared_ptr<ImageFeatures> classifier, const FidOptions& options)
    : options_(options), classifier_(std::move(classifier)) {
  check(classifier_ != nullptr, "FID: no classifier");
  const auto test = data::fashion_mnist({.dir = options.data_dir, .train = false});
  check(options.samples >= 2 && options.samples <= test->size(),
        "eval.fid_samples: {} must be in [2, {}] (the test images)", options.samples, test->size());
  real_ =
      generative::feature_moments(features(test->tensors()["image"].narrow(0, 0, options.samples)));
}

core::Tensor FashionFid::features(const core::Tensor& images) const {
  check(images.dim() == 4 && images.size(0) >= 1, "FID: images must be (n, 1, 28, 28), got {}",
        images.shape());
  NoGradGuard no_grad;
  std::vector<Tensor> chunks;
  for (std::int64_t i = 0; i < images.size(0); i += kChunk) {
    const std::int64_t n = std::min(kChunk, images.size(0) - i);
    chunks.push_back(classifier_->image_features(Tensor(images.narrow(0, i, n).contiguous())));
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

}  // namespace liandan::experiments
