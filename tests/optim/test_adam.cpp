// Adam and AdamW: the sanity numbers of /work/shared/ALGORITHMS.md section 1 (3 steps of a
// diagonal quadratic, f64 and f32) and the decoupling of AdamW's weight decay.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "liandan/autograd/autograd.hpp"
#include "liandan/core/parallel.hpp"
#include "liandan/optim/adam.hpp"
#include "liandan/optim/adamw.hpp"

using namespace liandan;

namespace {

// loss = 0.5 * sum_i a_i (theta_i - offset)^2, a = (1, 10), theta_0 = (1, -2): the trajectory
// of theta over steps (gradient set by hand).
template <typename Opt, typename Options>
std::vector<std::vector<double>> descend(Options options, int steps, double offset = 0.5,
                                         DType dtype = DType::f64) {
  const Tensor theta(core::Tensor::from({1.0, -2.0}, Shape{2}).to(dtype), true);
  Opt opt(NamedParameters{{"theta", theta}}, options);
  const double a[2] = {1, 10};
  std::vector<std::vector<double>> out;
  for (int s = 0; s < steps; ++s) {
    const std::vector<double> t = theta.to_vector<double>();
    theta.set_grad(Tensor(
        core::Tensor::from({a[0] * (t[0] - offset), a[1] * (t[1] - offset)}, Shape{2}).to(dtype)));
    opt.step();
    out.push_back(theta.to_vector<double>());
  }
  return out;
}

void check_trajectory(const std::vector<std::vector<double>>& actual,
                      const std::vector<std::vector<double>>& expected, double tol) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t s = 0; s < actual.size(); ++s)
    for (std::size_t i = 0; i < 2; ++i) {
      INFO("step " << s + 1 << " element " << i);
      CHECK_MESSAGE(std::abs(actual[s][i] - expected[s][i]) <= tol,
                    actual[s][i] << " vs expected " << expected[s][i]);
    }
}

}  // namespace

TEST_CASE("Adam step: ALGORITHMS.md sanity numbers, wd 0 and coupled wd 0.1") {
  check_trajectory(descend<optim::Adam>(optim::AdamOptions{.lr = 0.1}, 3),
                   {{0.9, -1.9}, {0.80118742, -1.80012719}, {0.70487126, -1.70047393}}, 1e-8);
  check_trajectory(descend<optim::Adam>(optim::AdamOptions{.lr = 0.1, .weight_decay = 0.1}, 3),
                   {{0.9, -1.9}, {0.80102888, -1.80012749}, {0.70417390, -1.70047507}}, 1e-8);
}

TEST_CASE("AdamW step: ALGORITHMS.md sanity numbers, decoupled wd 0.1") {
  check_trajectory(descend<optim::AdamW>(optim::AdamWOptions{.lr = 0.1, .weight_decay = 0.1}, 3),
                   {{0.89, -1.88}, {0.78249474, -1.76135838}, {0.67904017, -1.64417622}}, 1e-8);
}

TEST_CASE("Adam step: f32 parameters follow the f64 sanity numbers to float precision") {
  check_trajectory(descend<optim::Adam>(optim::AdamOptions{.lr = 0.1}, 3, 0.5, DType::f32),
                   {{0.9, -1.9}, {0.80118742, -1.80012719}, {0.70487126, -1.70047393}}, 1e-6);
}

TEST_CASE("Adam AdamW step: coupled wd leaves Adam unchanged on g = a theta, AdamW's is not") {
  // eps 0: with eps the invariance holds only up to lr * eps / |g|.
  const auto plain = descend<optim::Adam>(optim::AdamOptions{.lr = 0.1, .eps = 0}, 5, 0.0);
  const auto coupled =
      descend<optim::Adam>(optim::AdamOptions{.lr = 0.1, .eps = 0, .weight_decay = 0.5}, 5, 0.0);
  const auto decoupled =
      descend<optim::AdamW>(optim::AdamWOptions{.lr = 0.1, .eps = 0, .weight_decay = 0.5}, 5, 0.0);
  check_trajectory(coupled, plain, 1e-12);
  CHECK(std::abs(decoupled.back()[0] - plain.back()[0]) > 1e-3);
}

TEST_CASE("Adam step: a parameter above the parallel threshold updates every element") {
  const std::int64_t n = 4 * core::kParallelGrain + 3;
  const Tensor w = zeros({n}, {.requires_grad = true});
  std::vector<float> g(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = (i % 3 == 0) ? -2.f : 0.5f;
  w.set_grad(tensor(g, {n}));
  optim::Adam opt(NamedParameters{{"w", w}}, {.lr = 0.01});
  opt.step();  // step 1: w = -lr * g / (|g| + eps) ~= -lr * sign(g)
  const std::vector<float> out = w.to_vector<float>();
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < out.size(); ++i)
    bad += std::abs(out[i] - (g[i] < 0 ? 0.01f : -0.01f)) > 1e-7f;
  CHECK(bad == 0);
}
