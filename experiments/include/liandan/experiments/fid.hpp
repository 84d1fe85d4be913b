// The FID of the Fashion-MNIST generative tasks: a Fréchet distance on the features of a
// classifier that liandan trains itself (experiments/configs/fid_classifier.yaml).
//
// Note [Fashion FID]: the features are the penultimate-layer activations of the classifier run
// named by eval.fid_classifier (ImageFeatures, tasks.hpp; its latest checkpoint, loaded by the
// runner: load_fid_classifier in trainer.hpp). The real
// statistics are those of the first eval.fid_samples test images, so every task, and every eval
// step, that names the same classifier run and N is measured against the same Gaussian: the
// numbers are on one scale. They are not comparable with the Inception FID of papers, nor across
// classifiers or N (the estimate is biased upwards for small N). Generated images enter in
// [0, 1], the classifier's input range (a DCGAN's tanh output is mapped by (x + 1) / 2).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "liandan/core/random.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/generative/frechet.hpp"

namespace liandan::experiments {

struct FidOptions {
  std::int64_t samples = 2000;  // N: generated images, and the first N test images as the reals
  std::string data_dir = data::kFashionMnistDir;
};

class FashionFid {
 public:
  // Computes the real statistics with classifier's features.
  FashionFid(std::shared_ptr<ImageFeatures> classifier, const FidOptions& options);

  // The classifier's features of images (n, 1, 28, 28) in [0, 1]: (n, F), in chunks.
  core::Tensor features(const core::Tensor& images) const;
  // The Fréchet distance between the features of images (M, 1, 28, 28) in [0, 1], M >= 2, and
  // the real statistics.
  double operator()(const core::Tensor& images) const;
  // The same for N images drawn as sample(n, gen) (n <= 250 at a time, values in [0, 1]) with
  // gen seeded by seed: the same images for the same model and seed.
  double of_samples(const std::function<core::Tensor(std::int64_t n, core::Generator& gen)>& sample,
                    std::uint64_t seed) const;

  std::int64_t samples() const { return options_.samples; }
  const nn::generative::FeatureMoments& real_moments() const { return real_; }

 private:
  FidOptions options_;
  std::shared_ptr<ImageFeatures> classifier_;
  nn::generative::FeatureMoments real_;
};

}  // namespace liandan::experiments
