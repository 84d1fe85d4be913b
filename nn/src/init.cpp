// torch.nn.init's formulas; every fill runs without recording and bumps the version.
#include "liandan/nn/init.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

namespace liandan::nn::init {

std::pair<std::int64_t, std::int64_t> fans(const Tensor& t) {
  check(t.dim() >= 2, "init: fan in/out need at least 2 dims, got shape {}", t.shape());
  std::int64_t receptive = 1;
  for (int i = 2; i < t.dim(); ++i) receptive *= t.size(i);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.starts_with("conv"))
    return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 0.75;
  throw Error(fmt::format("calculate_gain: unknown nonlinearity '{}'", nonlinearity));
}

void uniform_(const Tensor& t, double low, double high, core::Generator& gen) {
  t.data().copy_(core::uniform(t.shape(), low, high, t.dtype(), gen));
}

void normal_(const Tensor& t, double mean, double std, core::Generator& gen) {
  t.data().copy_(core::normal(t.shape(), mean, std, t.dtype(), gen));
}

void constant_(const Tensor& t, double value) { t.data().fill_(value); }
void zeros_(const Tensor& t) { t.data().fill_(0); }
void ones_(const Tensor& t) { t.data().fill_(1); }

void eye_(const Tensor& t) {
  check(t.dim() == 2, "eye_: needs a 2-D tensor, got shape {}", t.shape());
  t.data().fill_(0);
  const std::int64_t n = std::min(t.size(0), t.size(1));
  for (std::int64_t i = 0; i < n; ++i) t.data().select(0, i).select(0, i).fill_(1);
}

namespace {

// Copies a row-major (shape) array of doubles into t, rounded once to t's dtype.
void assign(const Tensor& t, const std::vector<double>& values, const Shape& shape) {
  const core::Tensor src = core::Tensor::from(std::span<const double>(values), shape);
  t.data().copy_(src.reshape(t.shape()).to(t.dtype()));
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

}  // namespace

double erfinv(double y) {
  if (std::isnan(y) || std::abs(y) > 1) return std::numeric_limits<double>::quiet_NaN();
  if (std::abs(y) == 1) return std::copysign(std::numeric_limits<double>::infinity(), y);
  // Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision.
  double w = -std::log((1 - y) * (1 + y));
  double p;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682})
      p = c + p * w;
  }
  double x = p * y;
  // Newton on erf(x) = y; in the tails (|y| > 1/2, where 1 - |y| is exact and erf would lose
  // the digits) on log erfc(|x|) = log(1 - |y|), nearly quadratic in x, so that the steps stay
  // good from the approximation's poor start near |y| = 1 (it was fitted for floats).
  // erf'(x) = 2 / sqrt(pi) exp(-x^2). Convergence is quadratic: a step below 1e-10 |x| leaves an
  // error far below double precision.
  const double slope = 2 / std::sqrt(std::numbers::pi), r = 1 - std::abs(y);
  for (int step = 0; step < 8; ++step) {
    const double d = slope * std::exp(-x * x);
    double dx;
    if (std::abs(y) <= 0.5) {
      dx = -(std::erf(x) - y) / d;
    } else {
      const double e = std::erfc(std::abs(x));
      dx = (std::log(e) - std::log(r)) * e / d;  // for |x|
      if (y < 0) dx = -dx;
    }
    x += dx;
    if (std::abs(dx) <= 1e-10 * std::abs(x)) break;
  }
  return x;
}

void trunc_normal_(const Tensor& t, double mean, double std, double a, double b,
                   core::Generator& gen) {
  check(std > 0 && a < b, "trunc_normal_: needs std > 0 and a < b, got std {}, [a, b] = [{}, {}]",
        std, a, b);
  // Uniform in [2 cdf(a) - 1, 2 cdf(b) - 1], then x = mean + std sqrt(2) erfinv(u): the inverse
  // CDF of the standard normal, Phi^-1(p) = sqrt(2) erfinv(2p - 1).
  const double lo = 2 * normal_cdf((a - mean) / std) - 1;
  const double hi = 2 * normal_cdf((b - mean) / std) - 1;
  std::vector<double> v = core::uniform(t.shape(), lo, hi, DType::f64, gen).to_vector<double>();
  for (double& x : v) x = std::clamp(mean + std * std::numbers::sqrt2 * erfinv(x), a, b);
  assign(t, v, t.shape());
}

namespace {

// Q of the reduced QR of a tall matrix (m >= n), given and returned as n columns of length m,
// by Householder reflections in double; each column of Q is multiplied by the sign of R's
// diagonal entry, so that Q is the unique factor with diag(R) > 0 (as torch.linalg.qr followed
// by orthogonal_'s sign fix). Golub & Van Loan, Matrix Computations, algorithm 5.2.1.
std::vector<std::vector<double>> householder_q(std::vector<std::vector<double>> a) {
  const std::size_t n = a.size(), m = a.empty() ? 0 : a[0].size();
  std::vector<std::vector<double>> reflectors(n);  // v_k on rows k.., unit norm (or zero)
  std::vector<double> r_diag(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<double>& x = a[k];
    double norm = 0;
    for (std::size_t i = k; i < m; ++i) norm += x[i] * x[i];
    norm = std::sqrt(norm);
    // H x = alpha e_k with alpha = -sign(x_k) |x|: no cancellation in v = x - alpha e_k.
    const double alpha = x[k] >= 0 ? -norm : norm;
    std::vector<double> v(x.begin() + static_cast<std::ptrdiff_t>(k), x.end());
    v[0] -= alpha;
    double vnorm = 0;
    for (double e : v) vnorm += e * e;
    vnorm = std::sqrt(vnorm);
    if (vnorm > 0)
      for (double& e : v) e /= vnorm;
    r_diag[k] = alpha;
    for (std::size_t j = k + 1; j < n; ++j) {  // H_k on the remaining columns
      double dot = 0;
      for (std::size_t i = k; i < m; ++i) dot += v[i - k] * a[j][i];
      for (std::size_t i = k; i < m; ++i) a[j][i] -= 2 * dot * v[i - k];
    }
    reflectors[k] = std::move(v);
  }
  // Q = H_0 H_1 ... H_{n-1} I[:, :n], applied right to left.
  std::vector<std::vector<double>> q(n, std::vector<double>(m, 0));
  for (std::size_t j = 0; j < n; ++j) q[j][j] = 1;
  for (std::size_t k = n; k-- > 0;) {
    const std::vector<double>& v = reflectors[k];
    for (std::size_t j = 0; j < n; ++j) {
      double dot = 0;
      for (std::size_t i = k; i < m; ++i) dot += v[i - k] * q[j][i];
      for (std::size_t i = k; i < m; ++i) q[j][i] -= 2 * dot * v[i - k];
    }
  }
  for (std::size_t j = 0; j < n; ++j)
    if (r_diag[j] < 0)
      for (double& e : q[j]) e = -e;
  return q;
}

}  // namespace

void orthogonal_(const Tensor& t, double gain, core::Generator& gen) {
  check(t.dim() >= 2, "orthogonal_: needs at least 2 dims, got shape {}", t.shape());
  if (t.numel() == 0) return;
  const std::int64_t rows = t.size(0), cols = t.numel() / rows;
  // (rows, cols) normal in t's dtype, as PyTorch; its QR is of the taller of it and its transpose.
  const std::vector<double> draw =
      core::normal({rows, cols}, 0, 1, t.dtype(), gen).to_vector<double>();
  const bool wide = rows < cols;
  const auto m = static_cast<std::size_t>(std::max(rows, cols));
  const auto n = static_cast<std::size_t>(std::min(rows, cols));
  std::vector<std::vector<double>> columns(n, std::vector<double>(m));  // of the tall matrix
  for (std::size_t i = 0; i < static_cast<std::size_t>(rows); ++i)
    for (std::size_t j = 0; j < static_cast<std::size_t>(cols); ++j)
      (wide ? columns[i][j] : columns[j][i]) = draw[i * static_cast<std::size_t>(cols) + j];
  const std::vector<std::vector<double>> q = householder_q(std::move(columns));
  std::vector<double> out(draw.size());  // (rows, cols): Q, or Q^T when wide
  for (std::size_t i = 0; i < static_cast<std::size_t>(rows); ++i)
    for (std::size_t j = 0; j < static_cast<std::size_t>(cols); ++j)
      out[i * static_cast<std::size_t>(cols) + j] = gain * (wide ? q[i][j] : q[j][i]);
  assign(t, out, {rows, cols});
}

void xavier_uniform_(const Tensor& t, double gain, core::Generator& gen) {
  const auto [fan_in, fan_out] = fans(t);
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(const Tensor& t, double gain, core::Generator& gen) {
  const auto [fan_in, fan_out] = fans(t);
  normal_(t, 0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), gen);
}

namespace {
double kaiming_std(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity) {
  const auto [fan_in, fan_out] = fans(t);
  const auto fan = static_cast<double>(mode == FanMode::fan_in ? fan_in : fan_out);
  return calculate_gain(nonlinearity, a) / std::sqrt(fan);
}
}  // namespace

void kaiming_uniform_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity,
                      core::Generator& gen) {
  const double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity,
                     core::Generator& gen) {
  normal_(t, 0, kaiming_std(t, a, mode, nonlinearity), gen);
}

}  // namespace liandan::nn::init
