// The Fréchet distance between two Gaussians fitted to sets of feature vectors (the FID's
// formula, Heusel et al., arXiv 1706.08500), with the symmetric eigendecomposition (cyclic
// Jacobi) it needs for matrix square roots. All in double; dims up to a few hundred.
#pragma once

#include <cstdint>
#include <vector>

#include "liandan/core/tensor.hpp"

namespace liandan::nn::generative {

// A = V diag(values) V^T for a symmetric n x n matrix (row-major): values ascending, V's
// columns the eigenvectors (row-major n x n).
struct SymmetricEigen {
  std::vector<double> values;
  std::vector<double> vectors;
};

// Cyclic Jacobi rotations until the off-diagonal mass is below tol times the Frobenius norm
// squared; an error if max_sweeps do not get there or A is not symmetric (to 1e-9 relative).
SymmetricEigen symmetric_eigen(std::vector<double> a, std::int64_t n, double tol = 1e-24,
                               int max_sweeps = 100);

// The symmetric positive semi-definite square root V diag(sqrt(max(values, 0))) V^T.
std::vector<double> sqrt_psd(const std::vector<double>& a, std::int64_t n);

struct FeatureMoments {
  std::int64_t dim = 0;
  std::vector<double> mean;  // (dim)
  std::vector<double> cov;   // (dim, dim) row-major, unbiased (divides by N - 1, as np.cov)
};

// Mean and covariance of features (N, dim), N >= 2, any floating dtype.
FeatureMoments feature_moments(const core::Tensor& features);

// ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)), the trace term computed as
// sum sqrt(eig(S1^(1/2) S2 S1^(1/2))) (same eigenvalues as S1 S2, but symmetric PSD).
double frechet_distance(const FeatureMoments& a, const FeatureMoments& b);
double frechet_distance(const core::Tensor& features_a, const core::Tensor& features_b);

}  // namespace liandan::nn::generative
