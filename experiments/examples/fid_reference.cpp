// The reference points of the Fashion-MNIST FID scale (Note [Fashion FID]) for one classifier
// run: the FID of training images (what a perfect generator would get, up to sampling noise),
// of the test images blurred by a 3x3 box filter, and of uniform noise.
//
//   fid_reference CLASSIFIER_RUN_DIR [N]      (N: fid_samples, 2000 by default)
#include <cstdio>
#include <string>

#include "liandan/core/core.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/experiments/fid.hpp"
#include "liandan/experiments/trainer.hpp"

using namespace liandan;

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fid_reference CLASSIFIER_RUN_DIR [N]\n");
    return 2;
  }
  const std::int64_t n = argc > 2 ? std::stoll(argv[2]) : 2000;
  const experiments::FashionFid fid(experiments::load_fid_classifier(argv[1]), {.samples = n});
  const core::Tensor train = data::fashion_mnist({.train = true})->tensors()["image"];
  const core::Tensor test = data::fashion_mnist({.train = false})->tensors()["image"];
  // A 3x3 box blur (zero padding), as a crude stand-in for blurry samples.
  const core::Tensor reals = test.narrow(0, 0, n).contiguous();
  const core::Tensor box = core::Tensor::full({1, 1, 3, 3}, 1.0 / 9.0);
  const core::Tensor blurred = core::conv2d(reals, box, {}, {.padding = {1, 1}});
  core::Generator gen(0);
  const core::Tensor noise = core::uniform({n, 1, 28, 28}, 0, 1, DType::f32, gen);
  std::printf("N = %lld, classifier %s\n", static_cast<long long>(n), argv[1]);
  std::printf("training images %d..%lld: FID %.2f\n", 0, static_cast<long long>(n - 1),
              fid(train.narrow(0, 0, n).contiguous()));
  std::printf("training images %lld..%lld: FID %.2f\n", static_cast<long long>(n),
              static_cast<long long>(2 * n - 1), fid(train.narrow(0, n, n).contiguous()));
  std::printf("the test images blurred (3x3 box): FID %.2f\n", fid(blurred));
  std::printf("uniform noise: FID %.2f\n", fid(noise));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
