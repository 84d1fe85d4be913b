// EAE, the Entropic AutoEncoder (Ghose, Rashwan & Poupart, arXiv 2002.10631; ALGORITHMS.md 7b):
// a deterministic autoencoder whose code goes through BatchNorm without affine parameters (zero
// mean, unit variance per dim) and whose loss rewards the Kozachenko-Leonenko kNN estimate of
// the codes' entropy; since N(0, I) has the largest entropy at that variance, the codes are
// pushed towards it and z ~ N(0, I) fed to the decoder samples images.
// Dims: n = batch of codes, d = latent.
#pragma once

#include <cstdint>
#include <memory>

#include "liandan/core/random.hpp"
#include "liandan/nn/batchnorm.hpp"
#include "liandan/nn/generative/image_nets.hpp"

namespace liandan::nn::generative {

// For each row of z (n, d) the index of its k-th nearest other row (Euclidean; ties to the
// smaller index): (n) i64. No gradient: the choice is treated as constant.
core::Tensor knn_indices(const core::Tensor& z, std::int64_t k = 1);

// log B_d + psi(n) - psi(k), B_d = pi^(d/2) / Gamma(d/2 + 1) the unit d-ball's volume;
// psi(n) - psi(k) = sum_{j=k}^{n-1} 1/j exactly for integers.
double knn_entropy_offset(std::int64_t n, std::int64_t d, std::int64_t k = 1);

struct KnnEntropyOptions {
  std::int64_t k = 1;
  double min_distance = 1e-12;  // r is clamped to it before the log (duplicate codes)
};

// Note [kNN entropy]: the Kozachenko-Leonenko estimate of the differential entropy (nats) of
// the distribution the rows of z (n, d) were drawn from,
//   H = (d/n) sum_i log r_k(i) + log B_d + psi(n) - psi(k),
// r_k(i) the distance from z_i to its k-th nearest neighbour. Differentiable in z: the
// neighbour is found without recording (knn_indices), then r is recomputed from the two rows,
// so the gradient reaches z_i and its neighbour. Returns a () tensor.
Tensor knn_entropy(const Tensor& z, const KnnEntropyOptions& options = {});

struct EAEOptions {
  ImageNetOptions net = {};  // encoder and decoder architecture
  std::int64_t latent = 8;   // d
  double lambda = 1.0;       // weight of the entropy reward (tuned; the paper's not verified)
  KnnEntropyOptions entropy = {};
  double bn_eps = 1e-5;
};

struct EAELoss {
  Tensor loss;     // () mean_x ||x - D(z)||^2 - lambda H(z)
  Tensor recon;    // (B) squared error summed over pixels
  Tensor entropy;  // () the kNN estimate of the batch's codes
};

class EAE : public Module {
 public:
  explicit EAE(const EAEOptions& options = {});

  // z = BN(E(x)): batch statistics in training, running ones in eval. (B, 1, 28, 28) -> (B, d)
  Tensor encode(const Tensor& x);
  // The decoder's image: sigmoid of its output, in [0, 1]. (B, d) -> (B, 1, 28, 28)
  Tensor decode(const Tensor& z);
  EAELoss loss(const Tensor& x);
  // n images from z ~ N(0, I), straight to the decoder (BN bypassed).
  Tensor sample(std::int64_t n, core::Generator& gen = core::default_generator());
  Tensor forward(const Tensor& x) override { return decode(encode(x)); }
  std::string type_name() const override { return "EAE"; }
  std::string extra_repr() const override;

  const EAEOptions& options() const { return options_; }
  std::unique_ptr<Sequential> encoder;  // (B, 1, 28, 28) -> (B, d)
  BatchNorm1d bn;                       // affine = false
  std::unique_ptr<Sequential> decoder;  // (B, d) -> (B, 1, 28, 28) logits

 private:
  EAEOptions options_;
};

}  // namespace liandan::nn::generative
