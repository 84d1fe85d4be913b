// The EAE and the Kozachenko-Leonenko kNN entropy estimator (Note [kNN entropy] in eae.hpp).
#include "liandan/nn/generative/eae.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"

namespace liandan::nn::generative {

core::Tensor knn_indices(const core::Tensor& z, std::int64_t k) {
  check(z.dim() == 2, "knn_indices: z must be (n, d), got {}", z.shape());
  const std::int64_t n = z.size(0), d = z.size(1);
  check(k >= 1 && k < n, "knn_indices: need 1 <= k < n, got k = {} for n = {}", k, n);
  const std::vector<double> v = z.to_vector<double>();  // (n, d) row-major
  std::vector<std::int64_t> out(n);
#pragma omp parallel
  {
    std::vector<std::pair<double, std::int64_t>> dist(n - 1);  // (squared distance, index)
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t m = 0;
      for (std::int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double s = 0;
        for (std::int64_t c = 0; c < d; ++c) {
          const double diff = v[i * d + c] - v[j * d + c];
          s += diff * diff;
        }
        dist[m++] = {s, j};
      }
      // pairs compare by distance then index: ties go to the smaller index.
      std::nth_element(dist.begin(), dist.begin() + (k - 1), dist.end());
      out[i] = dist[k - 1].second;
    }
  }
  return core::Tensor::from(std::span<const std::int64_t>(out), {n});
}

double knn_entropy_offset(std::int64_t n, std::int64_t d, std::int64_t k) {
  check(k >= 1 && k < n && d >= 1,
        "knn_entropy_offset: need 1 <= k < n and d >= 1, got n = {}, "
        "d = {}, k = {}",
        n, d, k);
  const double half_d = 0.5 * static_cast<double>(d);
  const double log_ball = half_d * std::log(std::numbers::pi) - std::lgamma(half_d + 1);
  double psi_diff = 0;  // psi(n) - psi(k)
  for (std::int64_t j = k; j < n; ++j) psi_diff += 1.0 / static_cast<double>(j);
  return log_ball + psi_diff;
}

Tensor knn_entropy(const Tensor& z, const KnnEntropyOptions& options) {
  check(z.dim() == 2, "knn_entropy: z must be (n, d), got {}", z.shape());
  check(options.min_distance > 0, "knn_entropy: min_distance must be positive, got {}",
        options.min_distance);
  const std::int64_t n = z.size(0), d = z.size(1);
  const Tensor neighbour = index_select(z, 0, Tensor(knn_indices(z.data(), options.k)));  // (n, d)
  const Tensor diff = z - neighbour;
  const double min_r2 = options.min_distance * options.min_distance;
  const Tensor r2 = clamp(sum(diff * diff, {1}), min_r2, INFINITY);  // (n)
  // (d/n) sum_i log r_i = (d/2) mean_i log r_i^2
  return mean(log(r2)) * (0.5 * static_cast<double>(d)) + knn_entropy_offset(n, d, options.k);
}

EAE::EAE(const EAEOptions& options)
    : bn(options.latent, {.eps = options.bn_eps, .affine = false, .dtype = options.net.dtype}),
      options_(std::move(options)) {
  check(options_.latent > 0, "EAE: latent must be positive, got {}", options_.latent);
  check(options_.lambda >= 0, "EAE: lambda must be >= 0, got {}", options_.lambda);
  encoder = image_encoder(options_.net, options_.latent);
  decoder = image_decoder(options_.net, options_.latent);
  register_module("encoder", *encoder);
  register_module("bn", bn);
  register_module("decoder", *decoder);
}

Tensor EAE::encode(const Tensor& x) {
  check(x.dim() == 4 && x.size(1) == 1 && x.size(2) == kImageSide && x.size(3) == kImageSide,
        "EAE: expected images (B, 1, 28, 28), got {}", x.shape());
  return bn((*encoder)(x));
}

Tensor EAE::decode(const Tensor& z) {
  check(z.dim() == 2 && z.size(1) == options_.latent, "EAE: expected latents (B, {}), got {}",
        options_.latent, z.shape());
  return sigmoid((*decoder)(z));
}

EAELoss EAE::loss(const Tensor& x) {
  return call([&] {
    const Tensor z = encode(x);  // (B, d)
    const Tensor diff = (x - decode(z)).flatten(1);
    const Tensor recon = sum(diff * diff, {1});
    const Tensor entropy = knn_entropy(z, options_.entropy);
    return EAELoss{mean(recon) - entropy * options_.lambda, recon, entropy};
  });
}

Tensor EAE::sample(std::int64_t n, core::Generator& gen) {
  check(n >= 1, "EAE: sample needs n >= 1, got {}", n);
  return decode(Tensor(core::normal({n, options_.latent}, 0, 1, options_.net.dtype, gen)));
}

std::string EAE::extra_repr() const {
  return fmt::format("latent={}, lambda={}, k={}", options_.latent, options_.lambda,
                     options_.entropy.k);
}

}  // namespace liandan::nn::generative
