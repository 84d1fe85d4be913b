// Reductions: sum, amax/amin, max/min(dim), argmax, cumsum and the composites mean, var, std,
// logsumexp, norm — forward against core over several dim sets (keepdim and all dims), first
// and second derivatives against finite differences, tie handling and hand-derived gradients.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "liandan/autograd/autograd.hpp"
#include "support/fixtures.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using test::check_grads;
using test::rnd;

namespace {

// The dim sets every reduction is checked over: all dims, one, several, negative.
const std::vector<DimList> kDimSets = {{}, {0}, {1}, {0, 2}, {-1}, {2, 0, 1}};

using Reduction = std::function<Tensor(const Tensor&, const DimList&, bool)>;
using CoreReduction = std::function<core::Tensor(const core::Tensor&, const DimList&, bool)>;

// Forward against core and gradients, for every dim set, with and without keepdim. The result
// is squared so that the second derivative also runs through the reduction's own backward.
void check_reduction(const Reduction& f, const CoreReduction& core_f, const Tensor& x) {
  for (const DimList& dims : kDimSets) {
    for (bool keepdim : {false, true}) {
      CAPTURE(dims.str());
      CAPTURE(keepdim);
      const Tensor y = f(x, dims, keepdim);
      const core::Tensor expected = core_f(x.data(), dims, keepdim);
      CHECK(y.shape() == expected.shape());
      CHECK(y.to_vector<double>() == expected.to_vector<double>());
      check_grads(
          [&](const std::vector<Tensor>& in) {
            const Tensor r = f(in[0], dims, keepdim);
            return std::vector<Tensor>{r * r};
          },
          {x});
    }
  }
}

}  // namespace

TEST_CASE("sum: gradients over every dim set, keepdim and all dims") {
  check_reduction(
      [](const Tensor& x, const DimList& d, bool k) { return sum(x, d, k); },
      [](const core::Tensor& x, const DimList& d, bool k) { return core::sum(x, d, k); },
      rnd({2, 3, 4}));
}

TEST_CASE("mean: composite of sum; forward matches core; gradients; d/dx = 1/n") {
  check_reduction(
      [](const Tensor& x, const DimList& d, bool k) { return mean(x, d, k); },
      [](const core::Tensor& x, const DimList& d, bool k) { return core::mean(x, d, k); },
      rnd({2, 3, 4}));
  const Tensor x = rnd({2, 3, 4});
  const auto g = autograd::grad({mean(x)}, {x})[0].to_vector<double>();
  for (double v : g) CHECK(v == doctest::Approx(1.0 / 24));
}

TEST_CASE("var, std: corrections 0, 1, 1.5; forward matches core; gradients") {
  const Tensor x = rnd({2, 3, 4});
  for (double c : {0.0, 1.0, 1.5}) {
    CAPTURE(c);
    check_reduction(
        [c](const Tensor& t, const DimList& d, bool k) { return var(t, d, c, k); },
        [c](const core::Tensor& t, const DimList& d, bool k) { return core::var(t, d, c, k); }, x);
  }
  check_reduction(
      [](const Tensor& t, const DimList& d, bool k) { return liandan::std(t, d, 1, k); },
      [](const core::Tensor& t, const DimList& d, bool k) { return core::std(t, d, 1, k); }, x);
  // d var / dx_i = 2 (x_i - mean) / (n - correction)
  const Tensor v = tensor<double>({1.0, 2.0, 6.0}, {3}, true);
  CHECK(autograd::grad({var(v)}, {v})[0].to_vector<double>() ==
        std::vector<double>{-2.0, -1.0, 3.0});
}

TEST_CASE("amax, amin: forward matches core; gradients; ties share the gradient evenly") {
  check_reduction(
      [](const Tensor& x, const DimList& d, bool k) { return amax(x, d, k); },
      [](const core::Tensor& x, const DimList& d, bool k) { return core::amax(x, d, k); },
      rnd({2, 3, 4}));
  check_reduction(
      [](const Tensor& x, const DimList& d, bool k) { return amin(x, d, k); },
      [](const core::Tensor& x, const DimList& d, bool k) { return core::amin(x, d, k); },
      rnd({2, 3, 4}));
  const Tensor x = tensor<double>({1.0, 3.0, 3.0, 2.0, 0.0, 0.0, 0.0, 1.0}, {2, 4}, true);
  CHECK(autograd::grad({sum(amax(x, {1}))}, {x})[0].to_vector<double>() ==
        std::vector<double>{0, 0.5, 0.5, 0, 0, 0, 0, 1});
  const auto g = autograd::grad({sum(amin(x, {1}))}, {x})[0].to_vector<double>();
  CHECK(g == std::vector<double>{1, 0, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0});
}

TEST_CASE("max, min (dim): values match core with a gradient, indices without; first tie wins") {
  const Tensor x = rnd({2, 3, 4});
  for (std::int64_t dim : {0, 1, -1}) {
    for (bool keepdim : {false, true}) {
      CAPTURE(dim);
      CAPTURE(keepdim);
      const auto [values, indices] = max(x, dim, keepdim);
      const core::ValuesIndices ref = core::max(x.data(), dim, keepdim);
      CHECK(values.to_vector<double>() == ref.values.to_vector<double>());
      CHECK(indices.to_vector<std::int64_t>() == ref.indices.to_vector<std::int64_t>());
      CHECK_FALSE(indices.requires_grad());
      CHECK(min(x, dim, keepdim).values.to_vector<double>() ==
            core::min(x.data(), dim, keepdim).values.to_vector<double>());
      check_grads(
          [&](const std::vector<Tensor>& in) {
            const Tensor hi = max(in[0], dim, keepdim).values;
            const Tensor lo = min(in[0], dim, keepdim).values;
            return std::vector<Tensor>{hi * lo};
          },
          {x});
    }
  }
  const Tensor t = tensor<double>({1.0, 3.0, 3.0, 2.0}, {4}, true);
  CHECK(autograd::grad({max(t, 0).values}, {t})[0].to_vector<double>() ==
        std::vector<double>{0, 1, 0, 0});  // the first maximum, as PyTorch
}

TEST_CASE("argmax: matches core, outside the graph") {
  const Tensor x = rnd({3, 4});
  for (bool keepdim : {false, true}) {
    const Tensor i = argmax(x, 1, keepdim);
    CHECK_FALSE(i.requires_grad());
    CHECK(i.dtype() == DType::i64);
    CHECK(i.to_vector<std::int64_t>() ==
          core::argmax(x.data(), 1, keepdim).to_vector<std::int64_t>());
  }
}

TEST_CASE("cumsum: forward matches core; gradients on each dim; reversed cumsum by hand") {
  const Tensor x = rnd({2, 3, 4});
  for (std::int64_t dim : {0, 1, 2, -1}) {
    CAPTURE(dim);
    CHECK(cumsum(x, dim).to_vector<double>() == core::cumsum(x.data(), dim).to_vector<double>());
    check_grads(
        [&](const std::vector<Tensor>& in) {
          const Tensor y = cumsum(in[0], dim);
          return std::vector<Tensor>{y * y};
        },
        {x});
  }
  const Tensor t = tensor<double>({1.0, 2.0, 3.0}, {3}, true);
  const Tensor w = tensor<double>({1.0, 10.0, 100.0}, {3});
  CHECK(autograd::grad({sum(cumsum(t, 0) * w)}, {t})[0].to_vector<double>() ==
        std::vector<double>{111, 110, 100});
}

TEST_CASE("logsumexp: forward matches core; gradients; stable for large inputs; grad = softmax") {
  check_reduction(
      [](const Tensor& x, const DimList& d, bool k) { return logsumexp(x, d, k); },
      [](const core::Tensor& x, const DimList& d, bool k) { return core::logsumexp(x, d, k); },
      rnd({2, 3, 4}));
  const Tensor big = tensor<double>({1000.0, 1000.0, 999.0}, {3}, true);
  const Tensor y = logsumexp(big, {0});
  CHECK(std::isfinite(y.item()));
  const auto g = autograd::grad({y}, {big})[0].to_vector<double>();
  const double e = std::exp(-1.0), z = 2 + e;
  CHECK(g[0] == doctest::Approx(1 / z));
  CHECK(g[2] == doctest::Approx(e / z));
  const Tensor inf = tensor<double>({-std::numeric_limits<double>::infinity(), 0.0}, {2});
  CHECK(logsumexp(inf, {0}).item() == doctest::Approx(0.0));
}

TEST_CASE(
    "norm: p = 1, 2, inf, 3, 0.5; forward matches core; gradients; d/dx ||x||_2 = x / ||x||") {
  // |x| >= 0.1 keeps p = 1 and inf away from their kinks.
  std::vector<double> v = randn({2, 3, 4}, {.dtype = DType::f64}).to_vector<double>();
  for (double& e : v) e += e < 0 ? -0.1 : 0.1;
  const Tensor x = tensor<double>(v, {2, 3, 4}, true);
  for (double p : {1.0, 2.0, std::numeric_limits<double>::infinity(), 3.0, 0.5}) {
    CAPTURE(p);
    check_reduction(
        [p](const Tensor& t, const DimList& d, bool k) { return norm(t, p, d, k); },
        [p](const core::Tensor& t, const DimList& d, bool k) { return core::norm(t, p, d, k); }, x);
  }
  const Tensor t = tensor<double>({3.0, -4.0}, {2}, true);
  const auto g = autograd::grad({norm(t)}, {t})[0].to_vector<double>();
  CHECK(g[0] == doctest::Approx(0.6));
  CHECK(g[1] == doctest::Approx(-0.8));
}

// ---- PyTorch's subgradients (fixture subgradient/*, gen_autograd.py)

namespace {

// First derivative exactly as PyTorch's (NaN, inf and all); the second where PyTorch's is not
// NaN (its double backward at the kink itself is NaN for some p, from 0/0 inside its own
// formula, and one entry of p = 1 and inf is NaN beside it; those are not part of the contract).
void expect_first_and_second(const test::Fixture& f, const std::string& c,
                             const std::function<Tensor(const Tensor&)>& op) {
  const Tensor x(f.tensor(c + "/x").clone(), true);
  const Tensor out = op(x);
  test::expect_close(out.data(), f.tensor(c + "/out"), 1e-12, 1e-14);
  const Tensor g1 = autograd::grad({sum(out)}, {x}, {}, {.create_graph = true})[0];
  test::expect_close(g1.data(), f.tensor(c + "/grad"), 1e-12, 1e-14);
  const core::Tensor expected = f.tensor(c + "/gradgrad");
  const core::Tensor g2 = g1.requires_grad()
                              ? autograd::grad({sum(g1)}, {x}, {}, {.allow_unused = true})[0].data()
                              : core::Tensor::zeros(x.shape(), DType::f64);
  const core::Tensor known = core::logical_not(core::ne(expected, expected));  // not NaN
  test::expect_close(core::where(known, g2, 0.0), core::where(known, expected, 0.0), 1e-10, 1e-12);
}

}  // namespace

TEST_CASE("norm, std: PyTorch's subgradient 0 at a zero vector / constant group, and beside it") {
  const test::Fixture f("autograd");
  for (double p : {2.0, 3.0, 1.0, 1.5, 0.5, std::numeric_limits<double>::infinity()}) {
    CAPTURE(p);
    expect_first_and_second(f, fmt::format("subgradient/norm_{:g}", p),
                            [p](const Tensor& x) { return norm(x, p, {1}); });
  }
  for (double correction : {1.0, 0.0}) {
    CAPTURE(correction);
    expect_first_and_second(f, fmt::format("subgradient/std_{:g}", correction),
                            [correction](const Tensor& x) { return liandan::std(x, {1}, correction); });
  }
}

TEST_CASE("gradient penalty and gradient normalisation with a sample whose input gradient is 0") {
  // f(x) = relu(x w1 + b1) w2 + b2 with every unit off for sample 0: PyTorch's weight
  // gradients are finite (norm's subgradient 0), not NaN.
  const test::Fixture f("autograd");
  auto leaf = [&](const std::string& name) {
    return Tensor(f.tensor("subgradient/wgan_gp/" + name), true);
  };
  const Tensor w1 = leaf("w1"), b1 = leaf("b1"), w2 = leaf("w2"), b2 = leaf("b2"), x = leaf("x");
  const Tensor out = matmul(relu(matmul(x, w1) + b1), w2) + b2;  // (B, 1)
  const Tensor gx = autograd::grad({sum(out)}, {x}, {}, {.create_graph = true})[0];
  const Tensor n = norm(gx, 2, {1}, true);
  const Tensor gp = mean((n - 1.0) * (n - 1.0));
  test::expect_close(gp.data(), f.tensor("subgradient/wgan_gp/penalty"), 1e-12, 1e-14);
  const auto g_gp =
      autograd::grad({gp}, {w1, b1, w2, b2}, {}, {.retain_graph = true, .allow_unused = true});
  const std::vector<std::string> names = {"w1", "b1", "w2", "b2"};
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(names[i]);
    const core::Tensor expected = f.tensor("subgradient/wgan_gp/grad_" + names[i]);
    test::expect_close(
        g_gp[i].defined() ? g_gp[i].data() : core::Tensor::zeros(expected.shape(), DType::f64),
        expected, 1e-10, 1e-12);
  }
  const Tensor gn = mean(out / (n + abs(out)));  // GN-GAN's normalised critic
  test::expect_close(gn.data(), f.tensor("subgradient/gn/loss"), 1e-12, 1e-14);
  const auto g_gn = autograd::grad({gn}, {w1, b1, w2, b2});
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(names[i]);
    test::expect_close(g_gn[i].data(), f.tensor("subgradient/gn/grad_" + names[i]), 1e-10, 1e-12);
  }
}
