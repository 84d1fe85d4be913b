// Symmetric eigendecomposition by cyclic Jacobi, PSD square roots, and the Fréchet distance.
#include "liandan/nn/generative/frechet.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace liandan::nn::generative {
namespace {

// C = A B for n x n row-major matrices.
std::vector<double> matmul(const std::vector<double>& a, const std::vector<double>& b,
                           std::int64_t n) {
  std::vector<double> c(n * n, 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < n; ++k) {
      const double aik = a[i * n + k];
      for (std::int64_t j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}

}  // namespace

// Note [Jacobi eigenvalues]: each rotation J in the (p, q) plane zeroes A[p][q] in J^T A J,
// with t = tan(phi) the smaller root of t^2 + 2 theta t - 1 = 0, theta = (A_qq - A_pp) /
// (2 A_pq) (Golub & Van Loan, Alg. 8.5.2); V accumulates the rotations. Sweeps over all pairs
// converge quadratically; the off-diagonal sum of squares decides when to stop.
SymmetricEigen symmetric_eigen(std::vector<double> a, std::int64_t n, double tol, int max_sweeps) {
  check(n >= 1 && static_cast<std::int64_t>(a.size()) == n * n,
        "symmetric_eigen: expected {} x {} = {} values, got {}", n, n, n * n, a.size());
  double frob2 = 0;
  for (double x : a) frob2 += x * x;
  for (std::int64_t p = 0; p < n; ++p)
    for (std::int64_t q = p + 1; q < n; ++q)
      check(std::abs(a[p * n + q] - a[q * n + p]) <= 1e-9 * (std::sqrt(frob2) + 1e-300),
            "symmetric_eigen: matrix is not symmetric: A[{}][{}] = {} but A[{}][{}] = {}", p, q,
            a[p * n + q], q, p, a[q * n + p]);
  std::vector<double> v(n * n, 0.0);
  for (std::int64_t i = 0; i < n; ++i) v[i * n + i] = 1;
  auto off_diagonal = [&] {
    double s = 0;
    for (std::int64_t p = 0; p < n; ++p)
      for (std::int64_t q = 0; q < n; ++q)
        if (p != q) s += a[p * n + q] * a[p * n + q];
    return s;
  };
  int sweep = 0;
  for (; sweep < max_sweeps && off_diagonal() > tol * frob2; ++sweep) {
    for (std::int64_t p = 0; p < n - 1; ++p)
      for (std::int64_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::hypot(theta, 1.0));
        const double c = 1 / std::hypot(t, 1.0), s = t * c;
        for (std::int64_t k = 0; k < n; ++k) {  // columns p, q of A J
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (std::int64_t k = 0; k < n; ++k) {  // rows p, q of J^T (A J)
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (std::int64_t k = 0; k < n; ++k) {  // V J
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  check(off_diagonal() <= tol * frob2, "symmetric_eigen: no convergence in {} sweeps for n = {}",
        max_sweeps, n);
  std::vector<std::int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::int64_t i, std::int64_t j) { return a[i * n + i] < a[j * n + j]; });
  SymmetricEigen out{std::vector<double>(n), std::vector<double>(n * n)};
  for (std::int64_t j = 0; j < n; ++j) {
    out.values[j] = a[order[j] * n + order[j]];
    for (std::int64_t i = 0; i < n; ++i) out.vectors[i * n + j] = v[i * n + order[j]];
  }
  return out;
}

std::vector<double> sqrt_psd(const std::vector<double>& a, std::int64_t n) {
  const SymmetricEigen e = symmetric_eigen(a, n);
  std::vector<double> out(n * n, 0.0);
  for (std::int64_t k = 0; k < n; ++k) {
    const double root = std::sqrt(std::max(e.values[k], 0.0));
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j)
        out[i * n + j] += e.vectors[i * n + k] * root * e.vectors[j * n + k];
  }
  return out;
}

FeatureMoments feature_moments(const core::Tensor& features) {
  check(features.dim() == 2 && features.size(0) >= 2,
        "feature_moments: features must be (N, dim) with N >= 2, got {}", features.shape());
  const std::int64_t n = features.size(0), d = features.size(1);
  const std::vector<double> x = features.to_vector<double>();
  FeatureMoments m{d, std::vector<double>(d, 0.0), std::vector<double>(d * d, 0.0)};
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < d; ++j) m.mean[j] += x[i * d + j];
  for (double& v : m.mean) v /= static_cast<double>(n);
#pragma omp parallel for schedule(static)
  for (std::int64_t a = 0; a < d; ++a)
    for (std::int64_t i = 0; i < n; ++i) {
      const double ca = x[i * d + a] - m.mean[a];
      for (std::int64_t b = 0; b < d; ++b) m.cov[a * d + b] += ca * (x[i * d + b] - m.mean[b]);
    }
  for (double& v : m.cov) v /= static_cast<double>(n - 1);
  return m;
}

double frechet_distance(const FeatureMoments& a, const FeatureMoments& b) {
  check(a.dim == b.dim && a.dim >= 1, "frechet_distance: feature dims {} and {} differ", a.dim,
        b.dim);
  const std::int64_t n = a.dim;
  double mean_term = 0, traces = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    mean_term += (a.mean[i] - b.mean[i]) * (a.mean[i] - b.mean[i]);
    traces += a.cov[i * n + i] + b.cov[i * n + i];
  }
  const std::vector<double> root_a = sqrt_psd(a.cov, n);
  std::vector<double> m = matmul(matmul(root_a, b.cov, n), root_a, n);
  for (std::int64_t i = 0; i < n; ++i)  // symmetrise away rounding before the eigensolver
    for (std::int64_t j = i + 1; j < n; ++j)
      m[i * n + j] = m[j * n + i] = 0.5 * (m[i * n + j] + m[j * n + i]);
  double trace_root = 0;
  for (double lambda : symmetric_eigen(m, n).values) trace_root += std::sqrt(std::max(lambda, 0.0));
  return mean_term + traces - 2 * trace_root;
}

double frechet_distance(const core::Tensor& features_a, const core::Tensor& features_b) {
  return frechet_distance(feature_moments(features_a), feature_moments(features_b));
}

}  // namespace liandan::nn::generative
