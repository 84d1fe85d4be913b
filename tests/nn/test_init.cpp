// nn::init: fans and gains; uniform_, normal_, xavier_* and kaiming_* bounds and moments (as
// torch.nn.init defines them); erfinv against high-precision values; trunc_normal_'s support and
// moments; orthogonal_'s orthonormality for tall, wide, square and conv-shaped tensors and its QR
// convention; eye_, constant_, zeros_, ones_; determinism under a Generator; errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/init.hpp"

using namespace liandan;

namespace {

constexpr DType f64 = DType::f64;

// max |a - b| over elements.
double max_diff(const Tensor& a, const Tensor& b) {
  return core::amax(core::abs(core::sub(a.data().to(f64), b.data().to(f64)))).item();
}

// (rows, numel / rows) view of t, in f64.
Tensor as_matrix(const Tensor& t) { return Tensor(t.data().reshape({t.size(0), -1}).to(f64)); }

// Moments of Normal(mu, s) truncated to [a, b] (Johnson, Kotz & Balakrishnan, ch. 10.1).
std::pair<double, double> truncated_moments(double mu, double s, double a, double b) {
  const auto pdf = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi); };
  const auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); };
  const double al = (a - mu) / s, be = (b - mu) / s, z = cdf(be) - cdf(al);
  const double shift = (pdf(al) - pdf(be)) / z;
  const double var = 1 + (al * pdf(al) - be * pdf(be)) / z - shift * shift;
  return {mu + s * shift, s * std::sqrt(var)};
}

// A conv weight (O, C, kH, kW) = (64, 32, 3, 3): fan_in = 32 * 9 = 288, fan_out = 64 * 9 = 576.
// Unequal fans and a receptive field of 9, so a wrong fan or gain moves the std by sqrt(2) or
// more, far beyond the tolerances below.
constexpr std::int64_t kFanIn = 288, kFanOut = 576;
Tensor conv_weight() { return zeros({64, 32, 3, 3}, {.dtype = f64}); }

// The sample mean and std of t are those of a distribution with this mean and std, within 5
// standard errors (the std's error taken as a normal sample's, std / sqrt(2 n); a uniform
// sample's is smaller).
void check_moments(const Tensor& t, double mean, double std) {
  const auto n = static_cast<double>(t.numel());
  CHECK(std::abs(core::mean(t.data()).item() - mean) <= 5 * std / std::sqrt(n));
  CHECK(std::abs(core::std(t.data()).item() - std) <= 5 * std / std::sqrt(2 * n));
}

// All values in [-bound, bound], the extremes within 1% of it, and the moments of U(-b, b).
void check_uniform(const Tensor& t, double bound) {
  const double lo = core::amin(t.data()).item(), hi = core::amax(t.data()).item();
  CHECK(lo >= -bound);
  CHECK(hi <= bound);
  CHECK(lo < -0.99 * bound);
  CHECK(hi > 0.99 * bound);
  check_moments(t, 0, bound / std::sqrt(3.0));
}

}  // namespace

// ---- fans, gains, the plain fills

TEST_CASE("init::fans: fan_in = size(1) * receptive field, fan_out = size(0) * receptive field") {
  CHECK(nn::init::fans(conv_weight()) == std::pair<std::int64_t, std::int64_t>{kFanIn, kFanOut});
  CHECK(nn::init::fans(zeros({5, 7})) == std::pair<std::int64_t, std::int64_t>{7, 5});
  CHECK_THROWS_WITH_AS(nn::init::fans(zeros({5})),
                       "init: fan in/out need at least 2 dims, got shape [5]", Error);
  CHECK_THROWS_WITH_AS(nn::init::xavier_uniform_(zeros({5})),
                       "init: fan in/out need at least 2 dims, got shape [5]", Error);
}

TEST_CASE("init::calculate_gain: torch.nn.init's table") {
  CHECK(nn::init::calculate_gain("linear") == 1);
  CHECK(nn::init::calculate_gain("conv2d") == 1);
  CHECK(nn::init::calculate_gain("sigmoid") == 1);
  CHECK(nn::init::calculate_gain("tanh") == 5.0 / 3);
  CHECK(nn::init::calculate_gain("relu") == std::sqrt(2.0));
  CHECK(nn::init::calculate_gain("leaky_relu") == std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  CHECK(nn::init::calculate_gain("leaky_relu", 0.2) == std::sqrt(2.0 / 1.04));
  CHECK(nn::init::calculate_gain("selu") == 0.75);
  CHECK_THROWS_WITH_AS(nn::init::calculate_gain("swish"),
                       "calculate_gain: unknown nonlinearity 'swish'", Error);
}

TEST_CASE("init::uniform_, normal_, zeros_, ones_: bounds, moments, reproducible") {
  const Tensor u = zeros({200000}, {.dtype = f64});
  core::Generator gen(5);
  nn::init::uniform_(u, -1, 3, gen);
  CHECK(core::amin(u.data()).item() >= -1);
  CHECK(core::amax(u.data()).item() < 3);
  check_moments(u, 1, 4 / std::sqrt(12.0));
  const Tensor n = zeros({200000}, {.dtype = f64});
  nn::init::normal_(n, 2, 0.5, gen);
  check_moments(n, 2, 0.5);
  const Tensor a = zeros({100}), b = zeros({100});
  core::Generator g1(9), g2(9);
  nn::init::normal_(a, 0, 1, g1);
  nn::init::normal_(b, 0, 1, g2);
  CHECK(a.to_vector<float>() == b.to_vector<float>());
  nn::init::zeros_(a);
  CHECK(a.to_vector<float>() == std::vector<float>(100, 0));
  nn::init::ones_(a);
  CHECK(a.to_vector<float>() == std::vector<float>(100, 1));
}

// ---- xavier (Glorot & Bengio 2010) and kaiming (He et al. 2015)

TEST_CASE("init::xavier_uniform_, xavier_normal_: std = gain sqrt(2 / (fan_in + fan_out))") {
  core::Generator gen(11);
  const Tensor u = conv_weight();
  nn::init::xavier_uniform_(u, 2, gen);  // bound = gain sqrt(6 / (fan_in + fan_out)) = 1/6
  check_uniform(u, 2 * std::sqrt(6.0 / (kFanIn + kFanOut)));
  const Tensor n = conv_weight();
  nn::init::xavier_normal_(n, 1, gen);
  check_moments(n, 0, std::sqrt(2.0 / (kFanIn + kFanOut)));
}

TEST_CASE("init::kaiming_uniform_, kaiming_normal_: std = gain / sqrt(fan), either fan mode") {
  core::Generator gen(13);
  using nn::init::FanMode;
  // PyTorch's Linear and Conv2d: a = sqrt(5) gives bound = 1 / sqrt(fan_in).
  const Tensor u = conv_weight();
  nn::init::kaiming_uniform_(u, std::sqrt(5.0), FanMode::fan_in, "leaky_relu", gen);
  check_uniform(u, 1 / std::sqrt(kFanIn));
  nn::init::kaiming_uniform_(u, 0, FanMode::fan_out, "tanh", gen);
  check_uniform(u, std::sqrt(3.0) * (5.0 / 3) / std::sqrt(kFanOut));
  const Tensor n = conv_weight();
  nn::init::kaiming_normal_(n, 0, FanMode::fan_out, "relu", gen);
  check_moments(n, 0, std::sqrt(2.0 / kFanOut));
  nn::init::kaiming_normal_(n, 0, FanMode::fan_in, "leaky_relu", gen);  // a = 0: relu's gain
  check_moments(n, 0, std::sqrt(2.0 / kFanIn));
  CHECK_THROWS_WITH_AS(nn::init::kaiming_normal_(n, 0, FanMode::fan_in, "swish", gen),
                       "calculate_gain: unknown nonlinearity 'swish'", Error);
}

// ---- erfinv

TEST_CASE("init::erfinv: against 40-digit values, erf(erfinv(y)) = y, tails, +-1, outside") {
  // mpmath.erfinv(mpf(y)) at 40 digits, of the doubles y.
  const std::vector<std::pair<double, double>> exact = {
      {0.5, 0.47693627620446987338},
      {0.9, 1.1630871536766741628},
      {-0.999999, -3.4589107372754987775},
      {1e-10, 8.8622692545275804594e-11},
      {-0.3, -0.27246271472675434502},
      {0.75, 0.81341984759761854169},
      {1 - 1e-12, 5.0420318985726961301},
      {std::nextafter(1.0, 0.0), 5.8635847487551679272},  // 1 - 2^-53
  };
  for (const auto& [y, x] : exact) {
    INFO("y = ", fmt::format("{:.17g}", y));
    CHECK(std::abs(nn::init::erfinv(y) - x) <= 4e-16 * std::abs(x));
  }
  for (int i = -999; i <= 999; ++i) {
    const double y = i / 1000.0;
    INFO("y = ", y);
    CHECK(std::abs(std::erf(nn::init::erfinv(y)) - y) <= 2e-16);
  }
  for (int k = 2; k <= 16; ++k) {  // the tails, relative to 1 - |y|
    const double r = std::pow(10.0, -k), y = 1 - r;
    INFO("1 - y = ", r);
    const double x = nn::init::erfinv(y);
    CHECK(std::abs(std::erfc(x) - (1 - y)) <= 1e-14 * (1 - y));
    CHECK(nn::init::erfinv(-y) == -x);
  }
  CHECK(nn::init::erfinv(0) == 0);
  CHECK(nn::init::erfinv(1) == std::numeric_limits<double>::infinity());
  CHECK(nn::init::erfinv(-1) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(nn::init::erfinv(1.5)));
  CHECK(std::isnan(nn::init::erfinv(std::numeric_limits<double>::quiet_NaN())));
}

// ---- trunc_normal_

TEST_CASE("init::trunc_normal_: values in [a, b], mean and std of the truncated normal") {
  const std::int64_t n = 200000;
  struct Case {
    double mean, std, a, b;
  };
  for (const Case& c :
       {Case{0, 1, -2, 2}, Case{1, 2, -1, 4}, Case{-3, 0.5, -3.2, -1}, Case{0, 1, 0.5, 0.6}}) {
    INFO("mean ", c.mean, " std ", c.std, " [", c.a, ", ", c.b, "]");
    const Tensor t = zeros({n}, {.dtype = f64});
    core::Generator gen(17);
    nn::init::trunc_normal_(t, c.mean, c.std, c.a, c.b, gen);
    CHECK(core::amin(t.data()).item() >= c.a);
    CHECK(core::amax(t.data()).item() <= c.b);
    const auto [mean, std] = truncated_moments(c.mean, c.std, c.a, c.b);
    // 5 standard errors of the sample mean; the sample std's error is about std / sqrt(2 n).
    CHECK(std::abs(core::mean(t.data()).item() - mean) <= 5 * std / std::sqrt(n));
    CHECK(std::abs(core::std(t.data()).item() - std) <= 5 * std / std::sqrt(2.0 * n));
  }
  const Tensor w = zeros({64, 32});  // f32 with the defaults: N(0, 1) in [-2, 2]
  nn::init::trunc_normal_(w);
  CHECK(core::amax(core::abs(w.data())).item() <= 2);
  CHECK(core::amax(core::abs(w.data())).item() > 1.5);
}

TEST_CASE("init::trunc_normal_: reproducible under a Generator, errors name the arguments") {
  const Tensor a = zeros({100}), b = zeros({100});
  core::Generator g1(3), g2(3);
  nn::init::trunc_normal_(a, 0, 0.02, -0.04, 0.04, g1);
  nn::init::trunc_normal_(b, 0, 0.02, -0.04, 0.04, g2);
  CHECK(a.to_vector<float>() == b.to_vector<float>());
  nn::init::trunc_normal_(b, 0, 0.02, -0.04, 0.04, g2);  // the generator moved on
  CHECK(a.to_vector<float>() != b.to_vector<float>());
  CHECK_THROWS_WITH_AS(nn::init::trunc_normal_(a, 0, 0, -2, 2),
                       "trunc_normal_: needs std > 0 and a < b, got std 0, [a, b] = [-2, 2]",
                       Error);
  CHECK_THROWS_WITH_AS(nn::init::trunc_normal_(a, 0, 1, 2, -2),
                       "trunc_normal_: needs std > 0 and a < b, got std 1, [a, b] = [2, -2]",
                       Error);
}

// ---- orthogonal_

TEST_CASE("init::orthogonal_: orthonormal columns (tall), rows (wide, square, conv), gain") {
  struct Case {
    Shape shape;
    DType dtype;
  };
  for (const Case& c : {Case{{8, 3}, DType::f32}, Case{{3, 8}, DType::f32}, Case{{5, 5}, f64},
                        Case{{6, 3, 3, 3}, DType::f32}, Case{{32, 2, 2, 2}, DType::f32},
                        Case{{1, 7}, f64}, Case{{7, 1}, f64}}) {
    INFO("shape ", c.shape.str());
    const Tensor t = zeros(c.shape, {.dtype = c.dtype});
    nn::init::orthogonal_(t);
    const Tensor q = as_matrix(t);  // (rows, cols)
    const bool tall = q.size(0) >= q.size(1);
    const Tensor gram = tall ? matmul(transpose(q, 0, 1), q) : matmul(q, transpose(q, 0, 1));
    const std::int64_t k = gram.size(0);
    const Tensor eye = zeros({k, k}, {.dtype = f64});
    nn::init::eye_(eye);
    CHECK(max_diff(gram, eye) <= 1e-5);
  }
  const Tensor w = zeros({4, 6}, {.dtype = f64});
  nn::init::orthogonal_(w, 2.5);
  const Tensor gram = matmul(w, transpose(w, 0, 1));  // 2.5^2 I
  const Tensor expected = zeros({4, 4}, {.dtype = f64});
  nn::init::eye_(expected);
  CHECK(max_diff(gram, expected * 6.25) <= 1e-12);
}

TEST_CASE("init::orthogonal_: the Q of the drawn normal matrix's QR with diag(R) > 0") {
  // orthogonal_ draws a (rows, cols) normal A from the generator; a tall A = Q R, a wide
  // A^T = Q R and t = Q^T. So R = t^T A (tall) or t A^T (wide) is upper triangular, diag > 0.
  for (const Shape& shape : {Shape{7, 4}, Shape{4, 7}, Shape{5, 5}}) {
    INFO("shape ", shape.str());
    core::Generator g1(9), g2(9);
    const Tensor t = zeros(shape, {.dtype = f64});
    nn::init::orthogonal_(t, 1, g1);
    const Tensor a(core::normal(shape, 0, 1, f64, g2));
    const bool tall = shape[0] >= shape[1];
    const Tensor r = tall ? matmul(transpose(t, 0, 1), a) : matmul(t, transpose(a, 0, 1));
    const std::int64_t k = r.size(0);
    for (std::int64_t i = 0; i < k; ++i) {
      CHECK(r.data().select(0, i).select(0, i).item() > 0);
      for (std::int64_t j = 0; j < i; ++j)
        CHECK(std::abs(r.data().select(0, i).select(0, j).item()) <= 1e-12);
    }
    CHECK(g1.offset() == g2.offset());  // one draw of that size, nothing else
  }
}

TEST_CASE("init::orthogonal_: reproducible under a Generator, empty tensors, errors") {
  const Tensor a = zeros({6, 4}), b = zeros({6, 4});
  core::Generator g1(5), g2(5);
  nn::init::orthogonal_(a, 1, g1);
  nn::init::orthogonal_(b, 1, g2);
  CHECK(a.to_vector<float>() == b.to_vector<float>());
  nn::init::orthogonal_(zeros({0, 3}));  // nothing to fill
  CHECK_THROWS_WITH_AS(nn::init::orthogonal_(zeros({5})),
                       "orthogonal_: needs at least 2 dims, got shape [5]", Error);
}

// ---- eye_, constant_

TEST_CASE("init::eye_ and init::constant_: identity of tall and wide matrices, fill, errors") {
  const Tensor wide = full({2, 3}, 7);
  nn::init::eye_(wide);
  CHECK(wide.to_vector<float>() == std::vector<float>{1, 0, 0, 0, 1, 0});
  const Tensor tall = full({3, 2}, 7, {.dtype = f64});
  nn::init::eye_(tall);
  CHECK(tall.to_vector<double>() == std::vector<double>{1, 0, 0, 1, 0, 0});
  CHECK_THROWS_WITH_AS(nn::init::eye_(zeros({2, 2, 2})),
                       "eye_: needs a 2-D tensor, got shape [2,2,2]", Error);
  const Tensor c = zeros({2, 2});
  nn::init::constant_(c, 0.25);
  CHECK(c.to_vector<float>() == std::vector<float>{0.25, 0.25, 0.25, 0.25});
}
