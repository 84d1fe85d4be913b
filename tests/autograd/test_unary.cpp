// Unary and binary elementwise ops: forward against core, first and second derivatives against
// finite differences (f64, inputs kept away from kinks), hand-derived gradients; and a check
// that gradcheck does catch a wrong backward.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>
#include <numbers>

#include "liandan/autograd/autograd.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

using CoreUnary = std::function<core::Tensor(const core::Tensor&)>;
using Unary = std::function<Tensor(const Tensor&)>;

// A leaf of f(x) for x random normal: moves inputs into a domain or away from kinks.
Tensor rnd_mapped(const Shape& shape, const std::function<double(double)>& f) {
  std::vector<double> v = randn(shape, {.dtype = DType::f64}).to_vector<double>();
  for (double& e : v) e = f(e);
  return tensor<double>(v, shape, true);
}
double away_from_zero(double v) { return v + (v < 0 ? -0.1 : 0.1); }
double positive(double v) { return std::abs(v) + 0.2; }

// Forward equals the core kernel (f64 and f32), then gradcheck and gradgradcheck in f64.
void check_unary(const Unary& f, const CoreUnary& core_f, const Tensor& x) {
  CHECK(f(x).to_vector<double>() == core_f(x.data()).to_vector<double>());
  const Tensor x32(x.data().to(DType::f32));
  CHECK(f(x32).to_vector<float>() == core_f(x32.data()).to_vector<float>());
  check_grads([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{f(in[0])}; }, {x});
}

// d/dx of sum(f(x)) at the given points.
std::vector<double> grad_of_sum(const Unary& f, std::vector<double> points) {
  const Tensor x = tensor<double>(points, {static_cast<std::int64_t>(points.size())}, true);
  return autograd::grad({sum(f(x))}, {x})[0].to_vector<double>();
}

}  // namespace

TEST_CASE("sqrt, rsqrt: forward matches core; gradients for x > 0; d/dx sqrt = 1 / (2 sqrt x)") {
  const Tensor x = rnd_mapped({3, 4}, positive);
  check_unary([](const Tensor& t) { return sqrt(t); }, [](auto& t) { return core::sqrt(t); }, x);
  check_grads([](const std::vector<Tensor>& in) { return std::vector<Tensor>{rsqrt(in[0])}; }, {x});
  CHECK(rsqrt(x).to_vector<double>() == (1.0 / sqrt(x)).to_vector<double>());
  const auto g = grad_of_sum([](const Tensor& t) { return sqrt(t); }, {4.0, 0.25});
  CHECK(g == std::vector<double>{0.25, 1.0});
  const auto gr = grad_of_sum([](const Tensor& t) { return rsqrt(t); }, {4.0});
  CHECK(gr[0] == doctest::Approx(-0.5 / 8.0));  // -x^(-3/2) / 2
}

TEST_CASE("tanh, sigmoid, erf: forward matches core; gradients; hand-derived values") {
  const Tensor x = rnd({3, 4});
  check_unary([](const Tensor& t) { return tanh(t); }, [](auto& t) { return core::tanh(t); }, x);
  check_unary([](const Tensor& t) { return sigmoid(t); }, [](auto& t) { return core::sigmoid(t); },
              x);
  check_unary([](const Tensor& t) { return erf(t); }, [](auto& t) { return core::erf(t); }, x);
  const double t = std::tanh(0.7), s = 1 / (1 + std::exp(-0.7));
  CHECK(grad_of_sum([](const Tensor& v) { return tanh(v); }, {0.7})[0] ==
        doctest::Approx(1 - t * t));
  CHECK(grad_of_sum([](const Tensor& v) { return sigmoid(v); }, {0.7})[0] ==
        doctest::Approx(s * (1 - s)));
  CHECK(grad_of_sum([](const Tensor& v) { return erf(v); }, {0.7})[0] ==
        doctest::Approx(2 / std::sqrt(std::numbers::pi) * std::exp(-0.49)));
}

TEST_CASE("abs, sign: abs gradient is sign(x) (0 at 0); sign is outside the graph") {
  const Tensor x = rnd_mapped({3, 4}, away_from_zero);
  check_unary([](const Tensor& t) { return abs(t); }, [](auto& t) { return core::abs(t); }, x);
  CHECK(grad_of_sum([](const Tensor& v) { return abs(v); }, {-2.0, 0.0, 3.0}) ==
        std::vector<double>{-1.0, 0.0, 1.0});
  const Tensor s = sign(x);
  CHECK_FALSE(s.requires_grad());
  CHECK(s.grad_fn() == nullptr);
  CHECK(s.to_vector<double>() == core::sign(x.data()).to_vector<double>());
}

TEST_CASE("relu, leaky_relu: forward matches core; gradients away from 0; masks by hand") {
  const Tensor x = rnd_mapped({3, 4}, away_from_zero);
  check_unary([](const Tensor& t) { return relu(t); }, [](auto& t) { return core::relu(t); }, x);
  check_unary([](const Tensor& t) { return leaky_relu(t, 0.2); },
              [](auto& t) { return core::leaky_relu(t, 0.2); }, x);
  CHECK(grad_of_sum([](const Tensor& v) { return relu(v); }, {-1.0, 0.0, 2.0}) ==
        std::vector<double>{0.0, 0.0, 1.0});
  CHECK(grad_of_sum([](const Tensor& v) { return leaky_relu(v, 0.2); }, {-1.0, 2.0}) ==
        std::vector<double>{0.2, 1.0});
}

TEST_CASE("gelu (erf and tanh forms), silu: forward matches core; gradients; values at 0") {
  const Tensor x = rnd({3, 4});
  for (GeluApprox a : {GeluApprox::none, GeluApprox::tanh}) {
    CAPTURE(static_cast<int>(a));
    check_unary([a](const Tensor& t) { return gelu(t, a); },
                [a](auto& t) { return core::gelu(t, a); }, x);
    CHECK(grad_of_sum([a](const Tensor& v) { return gelu(v, a); }, {0.0})[0] ==
          doctest::Approx(0.5));
  }
  // gelu'(1) = Phi(1) + phi(1)
  const double phi1 = std::exp(-0.5) / std::sqrt(2 * std::numbers::pi);
  const double cdf1 = 0.5 * (1 + std::erf(1 / std::numbers::sqrt2));
  CHECK(grad_of_sum([](const Tensor& v) { return gelu(v); }, {1.0})[0] ==
        doctest::Approx(cdf1 + phi1));
  check_unary([](const Tensor& t) { return silu(t); }, [](auto& t) { return core::silu(t); }, x);
  const double s = 1 / (1 + std::exp(-1.5));
  CHECK(grad_of_sum([](const Tensor& v) { return silu(v); }, {1.5})[0] ==
        doctest::Approx(s * (1 + 1.5 * (1 - s))));
}

TEST_CASE("gelu: fused backward (no create_graph) == composed backward, both forms, f64 and f32") {
  // Wide inputs: the tails (|x| up to ~12) are where erf, exp and tanh saturate. f32 is held to
  // the f64 composition: near saturation, 1 - t^2 cancels in f32 on either path.
  const Tensor x = rnd_mapped({5, 37}, [](double v) { return 4 * v; });
  const Tensor g = randn({5, 37}, {.dtype = DType::f64});
  const Tensor x32(x.data().to(DType::f32), true), g32(g.data().to(DType::f32));
  for (GeluApprox a : {GeluApprox::none, GeluApprox::tanh}) {
    CAPTURE(static_cast<int>(a));
    const Tensor fused = autograd::grad({gelu(x, a)}, {x}, {g})[0];
    const Tensor composed = autograd::grad({gelu(x, a)}, {x}, {g}, {.create_graph = true})[0];
    CHECK(!fused.requires_grad());
    CHECK(composed.requires_grad());
    test::expect_close(fused.data(), composed.data(), 1e-14, 1e-14);
    const Tensor fused32 = autograd::grad({gelu(x32, a)}, {x32}, {g32})[0];
    test::expect_close(fused32.data().to(DType::f64), composed.data(), 1e-5, 1e-5);
  }
}

TEST_CASE("elu: forward matches core; gradients on both sides; no NaN for large x") {
  const Tensor x = rnd_mapped({3, 4}, away_from_zero);
  check_unary([](const Tensor& t) { return elu(t, 0.7); },
              [](auto& t) { return core::elu(t, 0.7); }, x);
  const auto g = grad_of_sum([](const Tensor& v) { return elu(v, 0.7); }, {-1.0, 2.0, 800.0});
  CHECK(g[0] == doctest::Approx(0.7 * std::exp(-1.0)));
  CHECK(g[1] == 1.0);
  CHECK(g[2] == 1.0);  // e^800 is inf in f64, but only the negative part is exponentiated
}

TEST_CASE("elu: fused backward (no create_graph) == composed backward, f64 and f32") {
  const Tensor x = rnd_mapped({5, 37}, [](double v) { return 6 * v; });
  const Tensor g = randn({5, 37}, {.dtype = DType::f64});
  const Tensor x32(x.data().to(DType::f32), true), g32(g.data().to(DType::f32));
  const Tensor fused = autograd::grad({elu(x, 0.7)}, {x}, {g})[0];
  const Tensor composed = autograd::grad({elu(x, 0.7)}, {x}, {g}, {.create_graph = true})[0];
  CHECK(!fused.requires_grad());
  CHECK(composed.requires_grad());
  test::expect_close(fused.data(), composed.data(), 1e-14, 1e-14);
  const Tensor fused32 = autograd::grad({elu(x32, 0.7)}, {x32}, {g32})[0];
  test::expect_close(fused32.data().to(DType::f64), composed.data(), 1e-6, 1e-6);
  const Tensor big(core::Tensor::full({3}, 800.0, DType::f64), true);  // e^800 = inf must not leak
  CHECK(autograd::grad({sum(elu(big))}, {big})[0].data().to_vector<double>() ==
        std::vector<double>{1.0, 1.0, 1.0});
}

TEST_CASE("softplus: forward matches core; gradients on both sides of the threshold") {
  // beta = 2, threshold = 3: the linear branch is x > 1.5; no input sits at that jump.
  const Tensor x = tensor<double>({-2.1, -0.7, 0.2, 0.9, 1.3, 1.7, 2.4, 3.0}, {2, 4}, true);
  check_unary([](const Tensor& t) { return softplus(t, 2.0, 3.0); },
              [](auto& t) { return core::softplus(t, 2.0, 3.0); }, x);
  const auto g = grad_of_sum([](const Tensor& v) { return softplus(v, 2.0, 3.0); }, {0.5, 2.0});
  CHECK(g[0] == doctest::Approx(1 / (1 + std::exp(-1.0))));  // sigmoid(beta x)
  CHECK(g[1] == 1.0);                                        // above the threshold: y = x
}

TEST_CASE("clamp: forward matches core; gradient 1 inside [min, max], 0 outside") {
  const Tensor x = tensor<double>({-1.3, -0.6, -0.4, 0.1, 0.7, 0.9, 2.0, -0.2}, {2, 4}, true);
  check_unary([](const Tensor& t) { return clamp(t, -0.5, 0.8); },
              [](auto& t) { return core::clamp(t, -0.5, 0.8); }, x);
  CHECK(grad_of_sum([](const Tensor& v) { return clamp(v, -0.5, 0.8); }, {-1.0, 0.0, 1.0}) ==
        std::vector<double>{0.0, 1.0, 0.0});
}

TEST_CASE("pow(x, double): forward matches core; gradients for several exponents") {
  const Tensor xp = rnd_mapped({3, 4}, positive), x = rnd({3, 4});
  for (double p : {2.0, 3.0, 1.0, 0.5, -1.5, 1.7}) {
    CAPTURE(p);
    check_unary([p](const Tensor& t) { return pow(t, p); },
                [p](auto& t) { return core::pow(t, p); }, std::floor(p) == p ? x : xp);
  }
  CHECK(grad_of_sum([](const Tensor& v) { return pow(v, 3.0); }, {2.0})[0] == 12.0);
  const Tensor z = rnd({3});
  const auto g0 = autograd::grad({sum(pow(z, 0.0))}, {z});
  CHECK(g0[0].to_vector<double>() == std::vector<double>{0, 0, 0});  // PyTorch: zeros, defined
}

TEST_CASE("pow(a, b): forward matches core; gradients of both with broadcasting, a > 0") {
  const Tensor a = rnd_mapped({3, 1, 4}, positive), b = rnd({2, 4});
  CHECK(pow(a, b).to_vector<double>() == core::pow(a.data(), b.data()).to_vector<double>());
  check_grads([](const std::vector<Tensor>& in) { return std::vector<Tensor>{pow(in[0], in[1])}; },
              {a, b});
  const Tensor x = tensor<double>({2.0}, {1}, true), y = tensor<double>({3.0}, {1}, true);
  const auto g = autograd::grad({sum(pow(x, y))}, {x, y});
  CHECK(g[0].item() == doctest::Approx(12.0));                 // b a^(b-1)
  CHECK(g[1].item() == doctest::Approx(8.0 * std::log(2.0)));  // a^b log a
}

TEST_CASE("maximum, minimum: forward matches core; gradients with broadcasting; ties split") {
  const Tensor a = rnd({3, 1, 4}), b = rnd({2, 4});  // ties have probability 0
  CHECK(maximum(a, b).to_vector<double>() == core::maximum(a.data(), b.data()).to_vector<double>());
  CHECK(minimum(a, b).to_vector<double>() == core::minimum(a.data(), b.data()).to_vector<double>());
  check_grads(
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{maximum(in[0], in[1]) * minimum(in[0], in[1])};
      },
      {a, b});
  const Tensor x = tensor<double>({1.0, 5.0, 2.0}, {3}, true);
  const Tensor y = tensor<double>({3.0, 1.0, 2.0}, {3}, true);
  auto g = autograd::grad({sum(maximum(x, y))}, {x, y});
  CHECK(g[0].to_vector<double>() == std::vector<double>{0.0, 1.0, 0.5});
  CHECK(g[1].to_vector<double>() == std::vector<double>{1.0, 0.0, 0.5});
  g = autograd::grad({sum(minimum(x, y))}, {x, y});
  CHECK(g[0].to_vector<double>() == std::vector<double>{1.0, 0.0, 0.5});
  CHECK(g[1].to_vector<double>() == std::vector<double>{0.0, 1.0, 0.5});
}

TEST_CASE("where: forward matches core; gradients routed by cond with broadcasting") {
  const Tensor cond = tensor<bool>({true, false, false, true}, {4});
  const Tensor a = rnd({3, 4}), b = rnd({3, 1});
  CHECK(where(cond, a, b).to_vector<double>() ==
        core::where(cond.data(), a.data(), b.data()).to_vector<double>());
  check_grads(
      [&](const std::vector<Tensor>& in) {
        const Tensor y = where(cond, in[0], in[1]);
        return std::vector<Tensor>{y * y};
      },
      {a, b});
  const auto g = autograd::grad({sum(where(cond, a, b))}, {a, b});
  CHECK(g[0].to_vector<double>() ==
        std::vector<double>{1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1});   // cond, row by row
  CHECK(g[1].to_vector<double>() == std::vector<double>{2, 2, 2});  // two false per row
}

namespace {

// y = 2 x, with a backward that claims 3 g: gradcheck must reject it.
struct WrongBackward final : Node {
  WrongBackward() : Node("WrongBackward") {}
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return {g[0] * 3.0}; }
};

Tensor twice_wrong(const Tensor& x) {
  Tensor out = make_result(core::mul(x.data(), 2.0));
  record<WrongBackward>({x}, {out});
  return out;
}

}  // namespace

TEST_CASE("gradcheck: a wrong backward fails with a message naming the input") {
  const Tensor a = rnd({3}), b = rnd({2, 3});
  const auto r = autograd::gradcheck(
      [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * twice_wrong(in[1])}; },
      {a, b});
  CHECK_FALSE(r.ok);
  CHECK_MESSAGE(r.message.find("input 1") != std::string::npos, r.message);
  const auto ok = autograd::gradcheck(
      [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * in[1] * 2.0}; },
      {a, b});
  CHECK_MESSAGE(ok.ok, ok.message);
}

TEST_CASE("unary ops at NaN and +-inf: values and gradients as PyTorch, f32 and f64, both paths") {
  // Fixture nonfinite/<op>.<dtype> (gen_autograd.py): x mixes NaN and +-inf with ordinary
  // values; out = op(x) and grad = d sum(op(x)) / dx from PyTorch 1.13.
  const std::map<std::string, Unary> ops = {
      {"neg", [](const Tensor& x) { return neg(x); }},
      {"abs", [](const Tensor& x) { return abs(x); }},
      {"exp", [](const Tensor& x) { return exp(x); }},
      {"log", [](const Tensor& x) { return log(x); }},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"erf", [](const Tensor& x) { return erf(x); }},
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"gelu", [](const Tensor& x) { return gelu(x); }},
      {"gelu_tanh", [](const Tensor& x) { return gelu(x, GeluApprox::tanh); }},
      {"silu", [](const Tensor& x) { return silu(x); }},
      {"elu", [](const Tensor& x) { return elu(x, 0.7); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.05); }},
      {"softplus", [](const Tensor& x) { return softplus(x, 2.0, 5.0); }},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 1.25); }},
      {"pow0", [](const Tensor& x) { return pow(x, 0.0); }},
      {"pow2", [](const Tensor& x) { return pow(x, 2.0); }},
      {"pow_frac", [](const Tensor& x) { return pow(x, 1.7); }},
  };
  test::Fixture f("autograd");
  int checked = 0;
  for (const std::string& c : f.cases("nonfinite")) {
    CAPTURE(c);
    const Unary& op = ops.at(f.text(c, "op"));
    const core::Tensor x = f.tensor(c + "/x");
    const double rtol = x.dtype() == DType::f64 ? 1e-12 : 2e-6;
    for (const bool create_graph : {false, true}) {  // the fused and the composed backward
      CAPTURE(create_graph);
      const Tensor leaf(x.clone(), true);
      const Tensor out = op(leaf);
      test::expect_close(out.data(), f.tensor(c + "/out"), rtol, 1e-6);
      const Tensor g = autograd::grad({sum(out)}, {leaf}, {}, {.create_graph = create_graph})[0];
      test::expect_close(g.data(), f.tensor(c + "/grad"), rtol, 1e-6);
    }
    ++checked;
  }
  CHECK(checked == 2 * static_cast<int>(ops.size()));
}

TEST_CASE("pow(a, b) and pow(x, p) at base 0: PyTorch's first and second derivatives") {
  // Fixture subgradient/pow*: d/da is 0 where b = 0, d/db is 0 where a = 0 and b >= 0.
  test::Fixture f("autograd");
  const std::string c = "subgradient/pow/";
  const Tensor a(f.tensor(c + "a").clone(), true), b(f.tensor(c + "b").clone(), true);
  const Tensor y = pow(a, b);
  test::expect_close(y.data(), f.tensor(c + "out"), 1e-12, 1e-14);
  const auto g = autograd::grad({sum(y)}, {a, b}, {}, {.create_graph = true});
  test::expect_close(g[0].data(), f.tensor(c + "grad_a"), 1e-12, 1e-14);
  test::expect_close(g[1].data(), f.tensor(c + "grad_b"), 1e-12, 1e-14);
  // second derivatives where PyTorch's are not NaN (at base 0 its own formula gives 0/0)
  const auto gg = autograd::grad({sum(g[0]) + sum(g[1])}, {a, b});
  for (const auto& [t, name] : {std::pair{gg[0], "gradgrad_a"}, std::pair{gg[1], "gradgrad_b"}}) {
    CAPTURE(name);
    const core::Tensor e = f.tensor(c + name), known = core::logical_not(core::ne(e, e));
    test::expect_close(core::where(known, t.data(), 0.0), core::where(known, e, 0.0), 1e-10, 1e-12);
  }
  for (double p : {0.0, 0.5, 2.0, 3.0, -1.0}) {
    CAPTURE(p);
    const std::string s = fmt::format("subgradient/pow_scalar_{:g}/", p);
    const Tensor x(f.tensor(s + "x").clone(), true);
    const Tensor g1 = autograd::grad({sum(pow(x, p))}, {x}, {}, {.create_graph = true})[0];
    test::expect_close(g1.data(), f.tensor(s + "grad"), 1e-12, 1e-14);
    const core::Tensor g2 = g1.requires_grad() ? autograd::grad({sum(g1)}, {x})[0].data()
                                               : core::Tensor::zeros(x.shape(), DType::f64);
    test::expect_close(g2, f.tensor(s + "gradgrad"), 1e-10, 1e-12);
  }
}
