// 2-D Gaussian mixtures for GAN sanity runs and their quality measures: the 8-circle
// (radius 2, std 0.02) and the 25-grid ({-4, -2, 0, 2, 4}^2, std 0.05), sampled with equal
// weights, and mode coverage / high-quality fraction of generated samples.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "liandan/core/random.hpp"

namespace liandan::nn::generative {

struct Mixture2d {
  std::vector<std::array<double, 2>> centres;
  double std = 0.02;  // isotropic std of every component
};

// Centres 2 (cos(k pi/4), sin(k pi/4)), k = 0..7 (gan_toy.py's, before its division by 1.414).
Mixture2d eight_circle(double radius = 2, double std = 0.02);
// Centres (i, j) for i, j in {-4, -2, 0, 2, 4}, row-major from (-4, -4).
Mixture2d grid25(double std = 0.05);

// n points (n, 2): a component uniform (randint) then the centre plus N(0, std^2 I) noise.
core::Tensor sample_mixture(const Mixture2d& mixture, std::int64_t n,
                            core::Generator& gen = core::default_generator(),
                            DType dtype = DType::f32);

struct ModeCoverageOptions {
  double radius_in_std = 3;    // a sample within this many std of its nearest centre is
                               // high-quality and counts for that mode
  double min_fraction = 0.01;  // a mode is covered when it holds >= this fraction of all samples
};

struct ModeCoverage {
  std::int64_t covered = 0;          // modes holding >= min_fraction * n high-quality samples
  std::int64_t modes = 0;            // number of components
  double high_quality = 0;           // fraction of samples within radius_in_std * std of a centre
  std::vector<std::int64_t> counts;  // high-quality samples per mode
};

// Note [Mode coverage]: each sample goes to its nearest centre; it is high-quality when its
// distance to it is <= radius_in_std * std (3 std: 99.9% of one component's own 1-D mass,
// ~98.9% of a 2-D Gaussian's mass). Mode m is covered when counts[m] >= min_fraction * n, n
// all samples (1% of n). samples (n, 2), any floating dtype.
ModeCoverage mode_coverage(const Mixture2d& mixture, const core::Tensor& samples,
                           const ModeCoverageOptions& options = {});

}  // namespace liandan::nn::generative
