// 2-D Gaussian mixtures and mode coverage (Note [Mode coverage] in mixtures.hpp).
#include "liandan/nn/generative/mixtures.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "liandan/core/elementwise.hpp"

namespace liandan::nn::generative {

Mixture2d eight_circle(double radius, double std) {
  check(radius > 0 && std > 0, "eight_circle: radius and std must be positive, got {} and {}",
        radius, std);
  Mixture2d m{{}, std};
  for (int k = 0; k < 8; ++k) {
    const double a = k * std::numbers::pi / 4;
    m.centres.push_back({radius * std::cos(a), radius * std::sin(a)});
  }
  return m;
}

Mixture2d grid25(double std) {
  check(std > 0, "grid25: std must be positive, got {}", std);
  Mixture2d m{{}, std};
  for (int i = -4; i <= 4; i += 2)
    for (int j = -4; j <= 4; j += 2) m.centres.push_back({double(i), double(j)});
  return m;
}

core::Tensor sample_mixture(const Mixture2d& mixture, std::int64_t n, core::Generator& gen,
                            DType dtype) {
  check(n >= 0 && !mixture.centres.empty(), "sample_mixture: need n >= 0 and centres, got n = {}",
        n);
  const auto component =
      core::randint(0, mixture.centres.size(), {n}, gen).to_vector<std::int64_t>();
  std::vector<double> centres(2 * n);
  for (std::int64_t i = 0; i < n; ++i) {
    centres[2 * i] = mixture.centres[component[i]][0];
    centres[2 * i + 1] = mixture.centres[component[i]][1];
  }
  const core::Tensor noise = core::normal({n, 2}, 0, mixture.std, DType::f64, gen);
  return core::add(core::Tensor::from(std::span<const double>(centres), {n, 2}), noise).to(dtype);
}

ModeCoverage mode_coverage(const Mixture2d& mixture, const core::Tensor& samples,
                           const ModeCoverageOptions& options) {
  check(samples.dim() == 2 && samples.size(1) == 2, "mode_coverage: samples must be (n, 2), got {}",
        samples.shape());
  check(options.radius_in_std > 0 && options.min_fraction >= 0,
        "mode_coverage: need radius_in_std > 0 and min_fraction >= 0, got {} and {}",
        options.radius_in_std, options.min_fraction);
  const std::int64_t n = samples.size(0);
  const std::vector<double> p = samples.to_vector<double>();
  const double radius = options.radius_in_std * mixture.std;
  ModeCoverage out;
  out.modes = static_cast<std::int64_t>(mixture.centres.size());
  out.counts.assign(out.modes, 0);
  std::int64_t good = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double best = std::numeric_limits<double>::infinity();
    std::int64_t best_m = 0;
    for (std::int64_t m = 0; m < out.modes; ++m) {
      const double dx = p[2 * i] - mixture.centres[m][0], dy = p[2 * i + 1] - mixture.centres[m][1];
      const double d2 = dx * dx + dy * dy;
      if (d2 < best) best = d2, best_m = m;
    }
    if (std::sqrt(best) <= radius) ++out.counts[best_m], ++good;
  }
  out.high_quality = n > 0 ? static_cast<double>(good) / n : 0;
  for (std::int64_t c : out.counts)
    if (n > 0 && static_cast<double>(c) >= options.min_fraction * n) ++out.covered;
  return out;
}

}  // namespace liandan::nn::generative
