// The EAE (nn/generative/eae.hpp): the kNN entropy estimator against
// tests/fixtures/gen_generative.py (neighbour indices, value and gradient, k = 1 and 3), its
// gradcheck, its estimate of known Gaussians' entropies, the constant, and the model (BN without
// affine parameters, loss, sampling).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "generative_helpers.hpp"
#include "liandan/nn/generative/eae.hpp"
#include "support/gradients.hpp"

using namespace liandan;
using namespace liandan::nn::generative;

namespace {

// d/2 log(2 pi e s^2): the differential entropy of N(0, s^2 I_d).
double gaussian_entropy(std::int64_t d, double s = 1) {
  return 0.5 * static_cast<double>(d) * std::log(2 * std::numbers::pi * std::numbers::e * s * s);
}

}  // namespace

TEST_CASE("knn_entropy matches PyTorch: indices, value and gradient for k = 1 and 3") {
  const auto& f = test::generative_fixture();
  for (const std::string c : {"knn_k1", "knn_k3"}) {
    INFO("case ", c);
    const auto k = static_cast<std::int64_t>(f.attr(c, "k"));
    const Tensor z = test::fixture_tensor(c + "/z", true);
    test::expect_close(knn_indices(z.data(), k), f.tensor(c + "/indices"), 0, 0);
    const Tensor h = knn_entropy(z, {.k = k});
    test::expect_close(h.data(), f.tensor(c + "/entropy"), 1e-12, 1e-12);
    h.backward();
    test::expect_close(z.grad().data(), f.tensor(c + "/grad_z"), 1e-10, 1e-12);
  }
}

TEST_CASE("knn_entropy gradcheck (neighbours held fixed) and the offset's closed form") {
  test::check_grads(
      [](const std::vector<Tensor>& in) { return std::vector{knn_entropy(in[0], {.k = 2})}; },
      {test::rnd({9, 3})});
  // d = 2: log B_2 = log pi; psi(n) - psi(1) = H_{n-1}.
  double harmonic = 0;
  for (int j = 1; j < 10; ++j) harmonic += 1.0 / j;
  CHECK(knn_entropy_offset(10, 2, 1) == doctest::Approx(std::log(std::numbers::pi) + harmonic));
  // d = 1: B_1 = 2.
  CHECK(knn_entropy_offset(3, 1, 2) == doctest::Approx(std::log(2.0) + 0.5));
  CHECK_THROWS_WITH(knn_indices(core::Tensor::zeros({4, 2}), 4), doctest::Contains("1 <= k < n"));
}

TEST_CASE("knn_entropy estimates the entropy of known Gaussians") {
  core::Generator gen(5);
  struct Case {
    std::int64_t n, d;
    double s, tol;
  };
  // ALGORITHMS.md 7b: ~0.05-0.2 nat noise per batch; the estimator's bias grows with d.
  for (const Case c : {Case{1000, 2, 1.0, 0.15}, Case{1000, 8, 1.0, 0.3}, Case{1000, 4, 0.1, 0.3},
                       Case{2000, 3, 2.0, 0.15}}) {
    INFO("n = ", c.n, ", d = ", c.d, ", s = ", c.s);
    const Tensor z(core::normal({c.n, c.d}, 0, c.s, DType::f64, gen));
    CHECK(std::abs(knn_entropy(z).item() - gaussian_entropy(c.d, c.s)) < c.tol);
  }
  // Scale equivariance: H(s z) = H(z) + d log s exactly.
  const Tensor z(core::normal({50, 3}, 0, 1, DType::f64, gen));
  CHECK(knn_entropy(z * 3.0).item() == doctest::Approx(knn_entropy(z).item() + 3 * std::log(3.0)));
  // Duplicate codes are clamped, not -inf.
  CHECK(std::isfinite(knn_entropy(zeros({4, 2}, {.dtype = DType::f64})).item()));
}

TEST_CASE("EAE: BatchNorm without affine parameters, loss and its gradients, sampling") {
  core::Generator gen(2);
  EAE eae({.net = {.hidden = {32}}, .latent = 4, .lambda = 0.5});
  for (const auto& [name, p] : eae.named_parameters()) CHECK(name.rfind("bn.", 0) != 0);
  CHECK(eae.bn.running_mean.defined());
  const Tensor x(core::uniform({32, 1, 28, 28}, 0, 1, DType::f32, gen));
  const Tensor z = eae.encode(x);
  CHECK(z.shape() == Shape{32, 4});
  // Batch statistics: every code dim has mean 0 and (biased) variance 1.
  for (double m : mean(z, {0}).to_vector<double>()) CHECK(std::abs(m) < 1e-5);
  for (double v : var(z, {0}, 0).to_vector<double>())
    CHECK(v == doctest::Approx(1).epsilon(1e-2));  // v / (v + eps)
  const EAELoss l = eae.loss(x);
  CHECK(l.recon.shape() == Shape{32});
  CHECK(l.loss.item() ==
        doctest::Approx(mean(l.recon).item() - 0.5 * l.entropy.item()).epsilon(1e-5));
  l.loss.backward();
  for (const auto& [name, p] : eae.named_parameters()) {
    INFO(name);
    CHECK(p.grad().defined());
  }
  const Tensor s = eae.sample(6, gen);
  CHECK(s.shape() == Shape{6, 1, 28, 28});
  CHECK(amin(s).item() >= 0);
  CHECK(amax(s).item() <= 1);
  eae.eval();
  CHECK(eae(x).shape() == x.shape());
}
