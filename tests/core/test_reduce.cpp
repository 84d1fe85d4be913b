// core reductions vs PyTorch fixtures: every dim set, keepdim, permuted inputs, large sizes.
#include <doctest/doctest.h>

#include <omp.h>

#include <cmath>
#include <limits>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using test::expect_close;

namespace {

Tensor run_reduction(const test::Fixture& f, const std::string& c, const std::string& op,
                     const Tensor& x) {
  const auto dims = f.ints(c, "dims");
  const core::DimList d(dims);
  const bool keep = f.attr(c, "keepdim") != 0;
  if (op == "sum" || op == "sum_permuted") return core::sum(x, d, keep);
  if (op == "mean") return core::mean(x, d, keep);
  if (op == "amax") return core::amax(x, d, keep);
  if (op == "amin") return core::amin(x, d, keep);
  if (op == "logsumexp") return core::logsumexp(x, d, keep);
  if (op == "var") return core::var(x, d, f.attr(c, "correction"), keep);
  if (op == "std") return core::std(x, d, f.attr(c, "correction"), keep);
  if (op == "norm") return core::norm(x, f.attr(c, "p"), d, keep);
  FAIL("unknown op " << op);
  return {};
}

}  // namespace

TEST_CASE("sum mean amax amin var std logsumexp norm vs PyTorch over every dim set") {
  test::Fixture f("reduce");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    const std::string op = f.text(c, "op");
    if (op == "max" || op == "min" || op == "argmax" || op == "cumsum") continue;
    CAPTURE(c);
    Tensor x = f.tensor(f.text(c, "x"));
    if (f.has(c, "perm")) x = x.permute(f.ints(c, "perm"));
    const double rtol = x.dtype() == DType::f64 ? 1e-12 : 1e-5;
    expect_close(run_reduction(f, c, op, x), f.tensor(c + "/out"), rtol, 1e-5);
    ++checked;
  }
  CHECK(checked > 300);
}

TEST_CASE("max min argmax (with indices) and cumsum vs PyTorch") {
  test::Fixture f("reduce");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    const std::string op = f.text(c, "op");
    if (op != "max" && op != "min" && op != "argmax" && op != "cumsum") continue;
    CAPTURE(c);
    const Tensor x = f.tensor(f.text(c, "x"));
    const std::int64_t dim = f.ints(c, "dim")[0];
    if (op == "cumsum") {
      expect_close(core::cumsum(x, dim), f.tensor(c + "/out"), 1e-6, 1e-6);
    } else if (op == "argmax") {
      expect_close(core::argmax(x, dim, f.attr(c, "keepdim") != 0), f.tensor(c + "/out"), 0, 0);
    } else {
      const bool keep = f.attr(c, "keepdim") != 0;
      const auto r = op == "max" ? core::max(x, dim, keep) : core::min(x, dim, keep);
      expect_close(r.values, f.tensor(c + "/values"), 0, 0);
      expect_close(r.indices, f.tensor(c + "/indices"), 0, 0);
    }
    ++checked;
  }
  CHECK(checked > 50);
}

TEST_CASE("sum: bit-identical for 1 and 2 threads, full and per-dim, large tensors") {
  const Tensor x = core::normal({3, 200001});
  const int saved = core::num_threads();
  auto run = [&](int threads) {
    core::set_num_threads(threads);
    return std::vector<Tensor>{core::sum(x), core::sum(x, {1}), core::sum(x, {0}), core::amax(x)};
  };
  const auto one = run(1), two = run(2);
  core::set_num_threads(saved);
  for (size_t i = 0; i < one.size(); ++i)
    CHECK(one[i].to_vector<float>() == two[i].to_vector<float>());
  // and against a double-precision loop
  const auto v = x.to_vector<float>();
  double total = 0;
  for (float e : v) total += e;
  CHECK(one[0].item() == doctest::Approx(total).epsilon(1e-4));
}

TEST_CASE("reductions: zero-size dims, 0-dim tensors, NaN propagation") {
  CHECK(core::sum(Tensor::zeros({0, 3}), {0}).to_vector<float>() == std::vector<float>{0, 0, 0});
  CHECK(core::sum(Tensor::zeros({3, 0}), {0}).shape() == Shape{0});
  CHECK(core::sum(Tensor::scalar(2.5)).item() == 2.5);
  CHECK(std::isnan(core::mean(Tensor::zeros({0})).item()));
  const Tensor nan = Tensor::from<float>({1, std::numeric_limits<float>::quiet_NaN(), 3}, {3});
  CHECK(std::isnan(core::amax(nan).item()));
  CHECK(std::isnan(core::max(nan, 0).values.item()));
  CHECK(core::max(nan, 0).indices.item() == 1);
}

TEST_CASE("reductions: error messages") {
  const Tensor x = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(core::sum(x, {2}), "sum: dim 2 out of range for a tensor of 2 dims", Error);
  CHECK_THROWS_WITH_AS(core::sum(x, {1, -1}), "sum: dim 1 repeated in [1,-1]", Error);
  CHECK_THROWS_WITH_AS(core::amax(Tensor::zeros({0, 3}), {0}),
                       "amax: cannot reduce over a zero-size dim of shape [0,3]", Error);
  CHECK_THROWS_WITH_AS(core::max(Tensor::zeros({2, 0}), 1), "max: dim 1 of shape [2,0] has size 0",
                       Error);
  CHECK_THROWS_WITH_AS(core::mean(Tensor::zeros({2}, DType::i64)),
                       "mean: expected a floating tensor, got i64", Error);
}
