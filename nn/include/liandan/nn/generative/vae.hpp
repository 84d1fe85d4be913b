// Gaussian VAE (Kingma & Welling, arXiv 1312.6114; ALGORITHMS.md 7a) for 28x28x1 images: an
// encoder to (mu, logvar), the reparameterised sample z = mu + exp(logvar / 2) e with e from a
// seeded generator, a Bernoulli (logits) or Gaussian decoder, the closed-form KL to N(0, I),
// the (beta-)ELBO and the importance-weighted bound (Burda et al., arXiv 1509.00519).
// Dims: B = batch, d = latent, k = importance samples.
#pragma once

#include <cstdint>
#include <memory>

#include "liandan/core/random.hpp"
#include "liandan/nn/generative/image_nets.hpp"

namespace liandan::nn::generative {

// KL(N(mu, diag exp(logvar)) || N(0, I)) per row: 0.5 sum_j (mu^2 + exp(logvar) - logvar - 1).
// mu, logvar (B, d) -> (B).
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);

// log N(z; mu, diag exp(logvar)) per row, summed over the last dim: (..., d) -> (...).
// mu and logvar broadcast against z; undefined mu/logvar mean 0 (the standard normal).
Tensor gaussian_log_density(const Tensor& z, const Tensor& mu = {}, const Tensor& logvar = {});

// z = mu + exp(logvar / 2) * eps; eps ~ N(0, I) from gen (no gradient flows to eps).
Tensor reparameterize(const Tensor& mu, const Tensor& logvar,
                      core::Generator& gen = core::default_generator());

// The importance-weighted bound from log weights (k, B): logsumexp_j log w_j - log k, (B).
Tensor importance_weighted_bound(const Tensor& log_weights);

enum class Likelihood {
  bernoulli,  // decoder gives logits; -log p(x|z) = BCE-with-logits summed over pixels
  gaussian,   // decoder gives means; -log p(x|z) = 0.5 ||x - m||^2 / s^2 + (D/2) log(2 pi s^2)
};

struct VAEOptions {
  ImageNetOptions net = {};  // encoder and decoder architecture (mlp 784-512-256-d by default)
  std::int64_t latent = 20;  // d
  Likelihood likelihood = Likelihood::bernoulli;
  double decoder_std = 1.0;  // s of the Gaussian decoder
  double beta = 1.0;         // weight of the KL in loss() (beta-VAE); the bounds use 1
};

struct Posterior {
  Tensor mu;      // (B, d)
  Tensor logvar;  // (B, d)
};

struct VAELoss {
  Tensor loss;   // () mean over the batch of recon + beta * kl (the negative beta-ELBO)
  Tensor recon;  // (B) -log p(x|z) for the one sample z
  Tensor kl;     // (B) closed form
};

// Note [VAE likelihood constants]: -log p(x|z) includes the Gaussian decoder's normalising
// constant (D/2) log(2 pi s^2), so elbo() and importance_weighted_bound() are bounds on log p(x)
// in nats; ALGORITHMS.md writes the recon term without it (the gradients are the same).
class VAE : public Module {
 public:
  explicit VAE(const VAEOptions& options = {});

  Posterior encode(const Tensor& x);  // x (B, 1, 28, 28)
  Tensor decode(const Tensor& z);     // (B, d) -> (B, 1, 28, 28) logits or Gaussian means
  // The decoder's mean image: sigmoid(logits) for Bernoulli, the mean for Gaussian.
  Tensor mean_image(const Tensor& decoded) const;
  // log p(x|z) per example: x, decoded (B, 1, 28, 28) -> (B).
  Tensor log_likelihood(const Tensor& x, const Tensor& decoded) const;

  // One-sample loss with eps ~ N(0, I) from gen, or with the given eps (B, d).
  VAELoss loss(const Tensor& x, core::Generator& gen = core::default_generator());
  VAELoss loss_with_noise(const Tensor& x, const Tensor& eps);
  // The one-sample ELBO per example (B): log p(x|z) - KL (beta = 1).
  Tensor elbo(const Tensor& x, core::Generator& gen = core::default_generator());

  // log w_j = log p(x|z_j) + log p(z_j) - log q(z_j|x), z_j = mu + sigma eps_j:
  // eps (k, B, d) -> (k, B).
  Tensor log_importance_weights(const Tensor& x, const Tensor& eps);
  // L_k = logsumexp_j log w_j - log k per example (B); k = 1 is the sampled ELBO with the
  // Monte-Carlo KL. Runs k decoder passes of the batch.
  Tensor importance_weighted_bound(const Tensor& x, std::int64_t k = 64,
                                   core::Generator& gen = core::default_generator());

  // n images from z ~ N(0, I): the decoder's mean images (n, 1, 28, 28).
  Tensor sample(std::int64_t n, core::Generator& gen = core::default_generator());
  // The mean image of decode(mu(x)).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "VAE"; }
  std::string extra_repr() const override;

  const VAEOptions& options() const { return options_; }
  std::unique_ptr<Sequential> encoder;  // (B, 1, 28, 28) -> (B, 2d): [mu, logvar]
  std::unique_ptr<Sequential> decoder;  // (B, d) -> (B, 1, 28, 28)

 private:
  VAEOptions options_;
};

}  // namespace liandan::nn::generative
