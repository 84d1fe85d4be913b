// Muon: 20-step trajectories against the NumPy transcription of tests/fixtures/gen_optim_numpy.py
// (Muon on the matrices, AdamW on the vector; both scale rules, Nesterov on and off), the
// Newton-Schulz sanity properties of ALGORITHMS.md section 9b, the default choice of parameters,
// and the state_dict round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "liandan/core/matmul.hpp"
#include "liandan/core/random.hpp"
#include "liandan/optim/muon.hpp"
#include "optim/optim_problems.hpp"

using namespace liandan;

namespace {

optim::Muon make_muon(const test::Fixture& f, const std::string& c, const NamedParameters& params) {
  return optim::Muon(params,
                     {.lr = f.attr(c, "lr"),
                      .momentum = f.attr(c, "momentum"),
                      .weight_decay = f.attr(c, "weight_decay"),
                      .beta1 = f.attr(c, "beta1"),
                      .beta2 = f.attr(c, "beta2"),
                      .eps = f.attr(c, "eps"),
                      .nesterov = f.attr(c, "nesterov") != 0,
                      .scale = f.text(c, "scale") == "moonshot" ? optim::MuonScale::moonshot
                                                                : optim::MuonScale::jordan});
}

}  // namespace

TEST_CASE("Muon: 20 steps match the NumPy transcription of ALGORITHMS.md") {
  const test::Fixture f("optim_numpy");
  for (const std::string c : {"multi_muon_moonshot", "multi_muon_jordan_plain"}) {
    INFO("case " << c);
    test::MultiQuadratic problem(f);
    const NamedParameters params = problem.params();
    optim::Muon opt = make_muon(f, c, params);
    CHECK(opt.uses_muon(0));
    CHECK(opt.uses_muon(1));
    CHECK(!opt.uses_muon(2));
    test::check_multi_trajectory(f, c, opt, problem, 1e-9);
  }
}

TEST_CASE("Muon newton_schulz: singular values near 1, direction of U V^T") {
  // ALGORITHMS.md 9b: for a random 64 x 32 G, NS5(G) has singular values in about [0.7, 1.2]:
  // O^T O (32 x 32) has eigenvalues in [0.49, 1.44], so its diagonal does too and its trace
  // is about 32; and O's correlation with G is positive and high.
  core::manual_seed(7);
  for (const DType dtype : {DType::f64, DType::f32}) {
    INFO("dtype " << name(dtype));
    const core::Tensor g = core::normal({64, 32}, 0, 1, dtype);
    const core::Tensor o = optim::newton_schulz(g);
    CHECK(o.shape() == Shape{64, 32});
    const std::vector<double> gram =
        core::matmul(o.transpose(0, 1), o).to(DType::f64).to_vector<double>();
    double trace = 0, off = 0;
    for (int i = 0; i < 32; ++i)
      for (int j = 0; j < 32; ++j)
        (i == j ? trace : off) += i == j ? gram[i * 33] : std::abs(gram[i * 32 + j]);
    for (int i = 0; i < 32; ++i) {
      CHECK(gram[i * 33] > 0.49);
      CHECK(gram[i * 33] < 1.44);
    }
    CHECK(trace / 32 == doctest::Approx(1.0).epsilon(0.25));
    CHECK(off / (32 * 31) < 0.1);
    const double cos =
        core::sum(core::mul(o, g)).item() / (core::norm(o).item() * core::norm(g).item());
    CHECK(cos > 0.8);
    // A wide matrix is handled through its transpose.
    const core::Tensor wide = optim::newton_schulz(g.transpose(0, 1).contiguous());
    test::expect_close(wide, o.transpose(0, 1), 1e-4, 1e-5);
  }
}

TEST_CASE("Muon: default parameter choice, per-group override and option errors") {
  const Tensor emb = ones({10, 4}, {.requires_grad = true});
  const Tensor w = ones({4, 4}, {.requires_grad = true});
  const Tensor conv = ones({8, 3, 3, 3}, {.requires_grad = true});
  const Tensor bias = ones({4}, {.requires_grad = true});
  const Tensor head = ones({10, 4}, {.requires_grad = true});
  const optim::Muon opt(NamedParameters{{"embed_tokens.weight", emb},
                                        {"layers.0.fc.weight", w},
                                        {"conv.weight", conv},
                                        {"layers.0.fc.bias", bias},
                                        {"head.weight", head}});
  CHECK(!opt.uses_muon(0));
  CHECK(opt.uses_muon(1));
  CHECK(opt.uses_muon(2));
  CHECK(!opt.uses_muon(3));
  CHECK(!opt.uses_muon(4));
  const optim::Muon forced(std::vector<optim::ParamGroup>{
      {.params = {{"head.weight", head}}, .options = {{"muon", true}}},
      {.params = {{"w", w}}, .options = {{"muon", false}}}});
  CHECK(forced.uses_muon(0));
  CHECK(!forced.uses_muon(1));
  CHECK(std::get<bool>(forced.per_param_options(1).at("muon")) == false);
  CHECK(forced.options(1).muon == false);
  CHECK_THROWS_WITH_AS(optim::Muon(std::vector<optim::ParamGroup>{
                           {.params = {{"b", bias}}, .options = {{"muon", true}}}}),
                       "Muon: parameter b [4] has fewer than 2 dims", Error);
  CHECK_THROWS_WITH_AS(optim::Muon(NamedParameters{{"w", w}}, {.momentum = 1.0}),
                       "Muon: momentum = 1: out of range: must be in [0, 1)", Error);
  CHECK_THROWS_WITH_AS(optim::Muon(NamedParameters{{"w", w}}, {.ns_steps = 0}),
                       "Muon: ns_steps = 0: out of range: must be >= 1", Error);
  CHECK_THROWS_WITH_AS(optim::Muon(std::vector<optim::ParamGroup>{
                           {.params = {{"w", w}}, .options = {{"scale", "jordon"}}}}),
                       "Muon param group 0: scale = jordon: not one of moonshot, jordan (did you "
                       "mean 'jordan'?)",
                       Error);
}

TEST_CASE("Muon state_dict: a run restored mid-way continues bit-identically") {
  const test::Fixture f("optim_numpy");
  test::check_multi_resume(
      f, [&](const NamedParameters& params) { return make_muon(f, "multi_muon_moonshot", params); },
      5, 7);
}
