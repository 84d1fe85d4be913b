// The Gaussian VAE: KL, reparameterisation, ELBO and the importance-weighted bound.
#include "liandan/nn/generative/vae.hpp"

#include <cmath>
#include <numbers>

#include "liandan/autograd/ops.hpp"
#include "liandan/nn/losses.hpp"

namespace liandan::nn::generative {
namespace {

const double kLog2Pi = std::log(2 * std::numbers::pi);

Tensor noise_like(const Shape& shape, DType dtype, core::Generator& gen) {
  return Tensor(core::normal(shape, 0, 1, dtype, gen));
}

}  // namespace

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar) {
  check(mu.dim() == 2 && mu.shape() == logvar.shape(),
        "gaussian_kl: mu and logvar must be (B, d) of one shape, got {} and {}", mu.shape(),
        logvar.shape());
  return sum(mu * mu + exp(logvar) - logvar - 1.0, {1}) * 0.5;
}

Tensor gaussian_log_density(const Tensor& z, const Tensor& mu, const Tensor& logvar) {
  check(z.dim() >= 1, "gaussian_log_density: z must have a last (latent) dim, got {}", z.shape());
  const double d = static_cast<double>(z.size(-1));
  const Tensor centred = mu.defined() ? z - mu : z;
  if (!logvar.defined()) return sum(centred * centred, {-1}) * -0.5 - 0.5 * d * kLog2Pi;
  return sum(centred * centred * exp(-logvar) + logvar, {-1}) * -0.5 - 0.5 * d * kLog2Pi;
}

Tensor reparameterize(const Tensor& mu, const Tensor& logvar, core::Generator& gen) {
  return mu + exp(logvar * 0.5) * noise_like(mu.shape(), mu.dtype(), gen);
}

Tensor importance_weighted_bound(const Tensor& log_weights) {
  check(log_weights.dim() == 2, "importance_weighted_bound: log weights must be (k, B), got {}",
        log_weights.shape());
  return logsumexp(log_weights, {0}) - std::log(static_cast<double>(log_weights.size(0)));
}

VAE::VAE(const VAEOptions& options) : options_(std::move(options)) {
  check(options_.latent > 0, "VAE: latent must be positive, got {}", options_.latent);
  check(options_.decoder_std > 0, "VAE: decoder_std must be positive, got {}",
        options_.decoder_std);
  check(options_.beta >= 0, "VAE: beta must be >= 0, got {}", options_.beta);
  encoder = image_encoder(options_.net, 2 * options_.latent);
  decoder = image_decoder(options_.net, options_.latent);
  register_module("encoder", *encoder);
  register_module("decoder", *decoder);
}

Posterior VAE::encode(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == 1 && x.size(2) == kImageSide && x.size(3) == kImageSide,
        "VAE: expected images (B, 1, 28, 28), got {}", x.shape());
  const Tensor h = (*encoder)(x);  // (B, 2d)
  const std::int64_t d = options_.latent;
  return {slice(h, 1, 0, d), slice(h, 1, d, 2 * d)};
}

Tensor VAE::decode(const Tensor& z) {
  check(z.dim() == 2 && z.size(1) == options_.latent, "VAE: expected latents (B, {}), got {}",
        options_.latent, z.shape());
  return (*decoder)(z);
}

Tensor VAE::mean_image(const Tensor& decoded) const {
  return options_.likelihood == Likelihood::bernoulli ? sigmoid(decoded) : decoded;
}

Tensor VAE::log_likelihood(const Tensor& x, const Tensor& decoded) const {
  check(x.shape() == decoded.shape(), "VAE: images {} and decoder output {} differ", x.shape(),
        decoded.shape());
  if (options_.likelihood == Likelihood::bernoulli) {
    const Tensor bce = binary_cross_entropy_with_logits(decoded, x, {.reduction = Reduction::none});
    return -bce.flatten(1).sum({1});
  }
  const double s2 = options_.decoder_std * options_.decoder_std;
  const double pixels = static_cast<double>(x.numel() / x.size(0));
  const Tensor diff = (x - decoded).flatten(1);
  return sum(diff * diff, {1}) * (-0.5 / s2) - 0.5 * pixels * std::log(2 * std::numbers::pi * s2);
}

VAELoss VAE::loss(const Tensor& x, core::Generator& gen) {
  return loss_with_noise(x, noise_like({x.size(0), options_.latent}, x.dtype(), gen));
}

VAELoss VAE::loss_with_noise(const Tensor& x, const Tensor& eps) {
  return call([&] {
    const Posterior q = encode(x);
    check(eps.shape() == q.mu.shape(), "VAE: noise of shape {}, expected {}", eps.shape(),
          q.mu.shape());
    const Tensor z = q.mu + exp(q.logvar * 0.5) * eps;  // (B, d)
    const Tensor recon = -log_likelihood(x, decode(z));
    const Tensor kl = gaussian_kl(q.mu, q.logvar);
    return VAELoss{mean(recon + kl * options_.beta), recon, kl};
  });
}

Tensor VAE::elbo(const Tensor& x, core::Generator& gen) {
  const Posterior q = encode(x);
  const Tensor z = reparameterize(q.mu, q.logvar, gen);
  return log_likelihood(x, decode(z)) - gaussian_kl(q.mu, q.logvar);
}

Tensor VAE::log_importance_weights(const Tensor& x, const Tensor& eps) {
  return call([&] {
    const Posterior q = encode(x);
    check(eps.dim() == 3 && eps.size(1) == x.size(0) && eps.size(2) == options_.latent,
          "VAE: importance noise must be (k, {}, {}), got {}", x.size(0), options_.latent,
          eps.shape());
    std::vector<Tensor> log_w;  // k x (B)
    for (std::int64_t j = 0; j < eps.size(0); ++j) {
      const Tensor z = q.mu + exp(q.logvar * 0.5) * select(eps, 0, j);  // (B, d)
      log_w.push_back(log_likelihood(x, decode(z)) + gaussian_log_density(z) -
                      gaussian_log_density(z, q.mu, q.logvar));
    }
    return stack(log_w, 0);
  });
}

Tensor VAE::importance_weighted_bound(const Tensor& x, std::int64_t k, core::Generator& gen) {
  check(k >= 1, "VAE: importance_weighted_bound needs k >= 1, got {}", k);
  const Tensor eps = noise_like({k, x.size(0), options_.latent}, x.dtype(), gen);
  return generative::importance_weighted_bound(log_importance_weights(x, eps));
}

Tensor VAE::sample(std::int64_t n, core::Generator& gen) {
  check(n >= 1, "VAE: sample needs n >= 1, got {}", n);
  const DType dtype = encoder->parameters().front().dtype();
  return mean_image(decode(noise_like({n, options_.latent}, dtype, gen)));
}

Tensor VAE::forward(const Tensor& x) { return mean_image(decode(encode(x).mu)); }

std::string VAE::extra_repr() const {
  return fmt::format("latent={}, likelihood={}, beta={}", options_.latent,
                     options_.likelihood == Likelihood::bernoulli ? "bernoulli" : "gaussian",
                     options_.beta);
}

}  // namespace liandan::nn::generative
