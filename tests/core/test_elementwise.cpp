// core elementwise ops vs PyTorch fixtures, broadcasting, strided inputs, errors.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <span>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using test::expect_close;

namespace {

const std::map<std::string, std::function<Tensor(const Tensor&)>> kUnary = {
    {"neg", [](const Tensor& x) { return core::neg(x); }},
    {"abs", [](const Tensor& x) { return core::abs(x); }},
    {"sign", [](const Tensor& x) { return core::sign(x); }},
    {"exp", [](const Tensor& x) { return core::exp(x); }},
    {"log", [](const Tensor& x) { return core::log(x); }},
    {"sqrt", [](const Tensor& x) { return core::sqrt(x); }},
    {"rsqrt", [](const Tensor& x) { return core::rsqrt(x); }},
    {"tanh", [](const Tensor& x) { return core::tanh(x); }},
    {"sigmoid", [](const Tensor& x) { return core::sigmoid(x); }},
    {"erf", [](const Tensor& x) { return core::erf(x); }},
    {"relu", [](const Tensor& x) { return core::relu(x); }},
    {"gelu", [](const Tensor& x) { return core::gelu(x); }},
    {"gelu_tanh", [](const Tensor& x) { return core::gelu(x, core::GeluApprox::tanh); }},
    {"silu", [](const Tensor& x) { return core::silu(x); }},
    {"elu", [](const Tensor& x) { return core::elu(x, 0.7); }},
    {"leaky_relu", [](const Tensor& x) { return core::leaky_relu(x, 0.05); }},
    {"softplus", [](const Tensor& x) { return core::softplus(x, 2.0, 5.0); }},
    {"clamp", [](const Tensor& x) { return core::clamp(x, -0.5, 1.25); }},
    {"pow3", [](const Tensor& x) { return core::pow(x, 3.0); }},
    {"pow_frac", [](const Tensor& x) { return core::pow(x, 1.7); }},
};

using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
const std::map<std::string, Binary> kBinary = {
    {"add", [](const Tensor& a, const Tensor& b) { return core::add(a, b); }},
    {"sub", [](const Tensor& a, const Tensor& b) { return core::sub(a, b); }},
    {"mul", [](const Tensor& a, const Tensor& b) { return core::mul(a, b); }},
    {"div", [](const Tensor& a, const Tensor& b) { return core::div(a, b); }},
    {"pow", [](const Tensor& a, const Tensor& b) { return core::pow(a, b); }},
    {"maximum", [](const Tensor& a, const Tensor& b) { return core::maximum(a, b); }},
    {"minimum", [](const Tensor& a, const Tensor& b) { return core::minimum(a, b); }},
    {"eq", [](const Tensor& a, const Tensor& b) { return core::eq(a, b); }},
    {"ne", [](const Tensor& a, const Tensor& b) { return core::ne(a, b); }},
    {"lt", [](const Tensor& a, const Tensor& b) { return core::lt(a, b); }},
    {"le", [](const Tensor& a, const Tensor& b) { return core::le(a, b); }},
    {"gt", [](const Tensor& a, const Tensor& b) { return core::gt(a, b); }},
    {"ge", [](const Tensor& a, const Tensor& b) { return core::ge(a, b); }},
};

// f32 transcendental kernels are ~1e-7 relative; f64 uses the C library.
double rtol_for(const Tensor& t) { return t.dtype() == DType::f64 ? 1e-12 : 2e-6; }

}  // namespace

TEST_CASE("unary ops (neg ... pow) vs PyTorch, f32 and f64, contiguous and transposed") {
  test::Fixture f("elementwise");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    auto it = kUnary.find(f.text(c, "op"));
    if (it == kUnary.end()) continue;
    CAPTURE(c);
    const Tensor x = f.tensor(c + "/x"), expected = f.tensor(c + "/out");
    expect_close(it->second(x), expected, rtol_for(x), 1e-6);
    // The same op on a transposed view gives the transposed result.
    expect_close(it->second(x.transpose(0, 1)).transpose(0, 1).contiguous(), expected, rtol_for(x),
                 1e-6);
    ++checked;
  }
  CHECK(checked == 2 * static_cast<int>(kUnary.size()));
}

TEST_CASE("binary ops and comparisons vs PyTorch with broadcasting") {
  test::Fixture f("elementwise");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    auto it = kBinary.find(f.text(c, "op"));
    if (it == kBinary.end()) continue;
    CAPTURE(c);
    const Tensor a = f.tensor(c + "/a"), b = f.tensor(c + "/b");
    expect_close(it->second(a, b), f.tensor(c + "/out"), rtol_for(a), 1e-7);
    ++checked;
  }
  CHECK(checked == 2 * static_cast<int>(kBinary.size()));
}

TEST_CASE("where vs PyTorch; scalar operand forms") {
  test::Fixture f("elementwise");
  for (const char* c : {"where.f32", "where.f64"}) {
    const std::string g = c;
    expect_close(core::where(f.tensor(g + "/cond"), f.tensor(g + "/a"), f.tensor(g + "/b")),
                 f.tensor(g + "/out"), 0, 0);
  }
  const Tensor x = Tensor::from<float>({1, -2, 3}, {3});
  CHECK(core::add(x, 1.5).to_vector<float>() == std::vector<float>{2.5f, -0.5f, 4.5f});
  CHECK(core::mul(x, -2).to_vector<float>() == std::vector<float>{-2, 4, -6});
  CHECK(core::where(core::gt(x, 0.0), x, 0.0).to_vector<float>() == std::vector<float>{1, 0, 3});
  CHECK(core::add_scaled(x, x, 0.5).to_vector<float>() == std::vector<float>{1.5f, -3, 4.5f});
}

TEST_CASE("elementwise: large strided and broadcast inputs cross the parallel grain") {
  // (B, T, C) + (C) bias, (B, T, C) * (B, T, 1) scale and a transposed operand, each checked
  // against a plain loop.
  const std::int64_t B = 7, T = 129, C = 97;  // > kParallelGrain elements, odd sizes
  const Tensor x = core::uniform({B, T, C}, -1, 1);
  const Tensor bias = core::uniform({C}, -1, 1);
  const Tensor scale = core::uniform({B, T, 1}, -1, 1);
  const Tensor xt = core::uniform({B, C, T}, -1, 1).transpose(1, 2);
  const Tensor out = core::mul(core::add(x, bias), core::add(scale, xt));
  const auto xv = x.to_vector<float>(), bv = bias.to_vector<float>(), sv = scale.to_vector<float>(),
             tv = xt.to_vector<float>(), ov = out.to_vector<float>();
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < B * T * C; ++i) {
    const float expect = (xv[i] + bv[i % C]) * (sv[i / C] + tv[i]);
    bad += ov[i] != expect;
  }
  CHECK(bad == 0);
}

TEST_CASE("elementwise: zero-size, 0-dim and i64 operands") {
  CHECK(core::add(Tensor::zeros({0, 3}), Tensor::ones({3})).shape() == Shape{0, 3});
  CHECK(core::exp(Tensor::scalar(0.0)).item() == 1.0);
  const Tensor i = Tensor::from<std::int64_t>({-3, 4}, {2});
  CHECK(core::abs(i).to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 4});
  CHECK(core::mul(i, 3).to_vector<std::int64_t>() == std::vector<std::int64_t>{-9, 12});
}

TEST_CASE("elementwise: in-place add_ and mul_ bump the version") {
  const Tensor x = Tensor::ones({2, 3});
  const auto v0 = x.version();
  core::add_(x, Tensor::from<float>({1, 2, 3}, {3}), 2.0);
  CHECK(x.to_vector<float>() == std::vector<float>{3, 5, 7, 3, 5, 7});
  core::mul_(x.select(0, 1), 0.5);
  CHECK(x.to_vector<float>() == std::vector<float>{3, 5, 7, 1.5f, 2.5f, 3.5f});
  CHECK(x.version() == v0 + 2);
}

TEST_CASE("elementwise: error messages name the op, shapes and dtypes") {
  const Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
  CHECK_THROWS_WITH_AS(core::add(a, b),
                       "add: shapes [2,3] and [4] do not broadcast (dim 1: 3 vs 4)", Error);
  CHECK_THROWS_WITH_AS(core::mul(a, Tensor::zeros({2, 3}, DType::f64)),
                       "mul: dtype mismatch [2,3] f32 vs [2,3] f64 (convert with .to())", Error);
  CHECK_THROWS_WITH_AS(core::exp(Tensor::zeros({2}, DType::i64)),
                       "exp: expected a floating dtype (f32 or f64), got i64", Error);
  CHECK_THROWS_WITH_AS(core::where(a, a, a), "where: condition must be bool, got [2,3] f32", Error);
  CHECK_THROWS_WITH_AS(core::clamp(a, 1, 0), "clamp: min 1 > max 0", Error);
  CHECK_THROWS_WITH_AS(core::add_(Tensor::zeros({3}), a),
                       "add_: [2,3] does not broadcast to the destination shape [3]", Error);
}

namespace {

// Floats in order as integers: adjacent floats (subnormals included) differ by 1, so the
// difference is the error in units in the last place.
std::int64_t ordered(float f) {
  const auto i = std::bit_cast<std::int32_t>(f);
  return i < 0 ? -static_cast<std::int64_t>(i & 0x7fffffff) : i;
}

// Every 997th float bit pattern (all signs and exponents), and every float near the ends of
// exp's range: [-104.5, -86.5] (subnormal results, and FLT_MIN at -87.34) and [86.5, 89]
// (e^x near FLT_MAX, and 2^128 at 88.376).
std::vector<float> float_sweep() {
  std::vector<float> xs;
  for (std::uint64_t b = 0; b <= 0xFFFFFFFFull; b += 997) {
    const auto f = std::bit_cast<float>(static_cast<std::uint32_t>(b));
    if (std::isfinite(f)) xs.push_back(f);
  }
  for (const auto& [a, b] : {std::pair{-104.5f, -86.5f}, std::pair{86.5f, 89.0f}})
    for (float f = a; f <= b; f = std::nextafter(f, b + 1)) xs.push_back(f);
  for (float f : {0.0f, -0.0f, std::numeric_limits<float>::max(),
                  -std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
                  std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()})
    xs.push_back(f);
  return xs;
}

// The largest error in ulps of f32 f against ref (computed in double, then rounded to float) over
// xs; the input where it occurs goes to *where.
std::int64_t max_ulp_error(const std::function<Tensor(const Tensor&)>& f,
                           const std::function<double(double)>& ref, const std::vector<float>& xs,
                           float* where) {
  const Tensor x = Tensor::from(std::span<const float>(xs), {static_cast<std::int64_t>(xs.size())});
  const std::vector<float> y = f(x).to_vector<float>();
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const float r = static_cast<float>(ref(xs[i]));
    const std::int64_t e = std::isnan(r) || std::isnan(y[i])
                               ? (std::isnan(r) == std::isnan(y[i]) ? 0 : 1LL << 40)
                               : std::llabs(ordered(y[i]) - ordered(r));
    if (e > worst) worst = e, *where = xs[i];
  }
  return worst;
}

}  // namespace

TEST_CASE("exp, sigmoid, silu (f32): against the C library in double over the whole float range") {
  const std::vector<float> xs = float_sweep();
  float where = 0;
  // exp: finite up to ln(FLT_MAX) = 88.7228, subnormal down to -103.97, 0 below (correctly
  // rounded double results rounded to float are the reference).
  CHECK_MESSAGE(max_ulp_error([](const Tensor& x) { return core::exp(x); },
                              [](double v) { return std::exp(v); }, xs, &where) <= 1,
                "exp at " << where);
  // sigmoid = 1 / (1 + e^-x) and silu = x sigmoid(x), as PyTorch: 0 where e^-x overflows in
  // f32 (x < -88.7228), tiny but nonzero just above.
  auto sigmoid_ref = [](double v) {
    const double e = std::exp(-v);
    return std::isinf(static_cast<float>(e)) ? 0.0 : 1 / (1 + e);
  };
  CHECK_MESSAGE(
      max_ulp_error([](const Tensor& x) { return core::sigmoid(x); }, sigmoid_ref, xs, &where) <= 2,
      "sigmoid at " << where);
  CHECK_MESSAGE(max_ulp_error([](const Tensor& x) { return core::silu(x); },
                              [&](double v) { return v * sigmoid_ref(v); }, xs, &where) <= 4,
                "silu at " << where);
  // The edges themselves.
  const auto at = [](float v, auto op) {
    return op(Tensor::from<float>({v}, {1})).template to_vector<float>()[0];
  };
  const auto exp = [](const Tensor& x) { return core::exp(x); };
  const auto sigmoid = [](const Tensor& x) { return core::sigmoid(x); };
  CHECK(at(88.5f, exp) == static_cast<float>(std::exp(88.5)));  // was inf (2^128 formed first)
  CHECK(at(88.72283f, exp) == static_cast<float>(std::exp(double(88.72283f))));
  CHECK(std::isinf(at(88.7229f, exp)));
  CHECK(at(-103.9f, exp) == std::numeric_limits<float>::denorm_min());
  CHECK(at(-104.0f, exp) == 0);
  CHECK(std::llabs(ordered(at(-88.4f, sigmoid)) - ordered(4.0585148811961444e-39f)) <= 2);  // torch
  CHECK(at(-88.75f, sigmoid) == 0);
  CHECK(at(-88.4f, [](const Tensor& x) { return core::silu(x); }) < 0);
}
