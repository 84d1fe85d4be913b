// GAN networks: a DCGAN-style generator and critic for 28x28x1 images (after GN-GAN's
// basiclab/GNGAN-PyTorch models/dcgan.py, with two down/up-samplings since 28 = 7 * 4) and an
// MLP pair for 2-D mixtures (ALGORITHMS.md 8c). Critics have no batch-coupling layers, as the
// gradient normalisations need per-sample gradients. Dims: B = batch, z = noise dim, w = width.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "liandan/core/random.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/nn/spectral_norm.hpp"

namespace liandan::nn::generative {

struct DCGANOptions {
  std::int64_t z_dim = 128;
  std::int64_t width = 64;     // w: channels of the 28x28 stage; 2w at 14x14, 4w at 7x7
  bool spectral_norm = false;  // critic only: every Conv2d/Linear weight as W / sigma(W)
  DType dtype = DType::f32;
};

// (B, z) -> (B, 1, 28, 28) in (-1, 1):
//   linear: Linear(z, 4w*7*7); main: BN(4w), ReLU, ConvT(4w, 2w, 4, s2, p1) 14x14, BN(2w), ReLU,
//   ConvT(2w, w, 4, s2, p1) 28x28, BN(w), ReLU, ConvT(w, 1, 3, s1, p1), Tanh.
// Conv and linear weights N(0, 0.02), biases 0 (GN-GAN's init).
class DCGANGenerator : public Module {
 public:
  explicit DCGANGenerator(const DCGANOptions& options = {});
  Tensor forward(const Tensor& z) override;
  // n images from z ~ N(0, I).
  Tensor sample(std::int64_t n, core::Generator& gen = core::default_generator());
  std::string type_name() const override { return "DCGANGenerator"; }

  std::int64_t z_dim, width;
  Linear linear;
  Sequential main;
};

// (B, 1, 28, 28) -> (B, 1):
//   main: Conv(1, w, 3, p1), LReLU(0.1), Conv(w, 2w, 4, s2, p1) 14x14, LReLU,
//   Conv(2w, 2w, 3, p1), LReLU, Conv(2w, 4w, 4, s2, p1) 7x7, LReLU, Conv(4w, 4w, 3, p1), LReLU;
//   linear: Linear(4w*7*7, 1). Init as the generator's.
class DCGANCritic : public Module {
 public:
  explicit DCGANCritic(const DCGANOptions& options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "DCGANCritic"; }

  Sequential main;
  Linear linear;

 private:
  std::vector<std::unique_ptr<SpectralNorm>> spectral_norms_;
};

struct MlpGanOptions {
  std::int64_t in_features = 2;   // generator: noise dim; critic: data dim
  std::int64_t out_features = 2;  // generator: data dim; critic: 1
  std::int64_t width = 128;
  std::int64_t depth = 3;  // hidden [Linear, ReLU] blocks (gan_toy.py: 3 of width 512)
  bool spectral_norm = false;
  DType dtype = DType::f32;
};

// Sequential: [Linear, ReLU] x depth, Linear. PyTorch's default init. The generator of the
// 2-D mixtures with {.in_features = z, .out_features = 2}, the critic with {2, 1}.
class MlpGan : public Sequential {
 public:
  explicit MlpGan(const MlpGanOptions& options = {});
  std::string type_name() const override { return "MlpGan"; }

 private:
  std::vector<std::unique_ptr<SpectralNorm>> spectral_norms_;
};

}  // namespace liandan::nn::generative
