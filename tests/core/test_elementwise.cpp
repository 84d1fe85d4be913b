// core elementwise ops vs PyTorch fixtures, broadcasting, strided inputs, errors.
#include <doctest/doctest.h>

#include <functional>
#include <map>

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
