// Amos: 20-step trajectories against the NumPy transcription of tests/fixtures/gen_optim_numpy.py
// (elementwise, row and scalar slots, a non-trailing reduced axis, momentum, clipping), the
// reference numbers ALGORITHMS.md section 3 records, the default eta and slot rules, and the
// state_dict round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <vector>

#include "liandan/optim/amos.hpp"
#include "optim/optim_problems.hpp"

using namespace liandan;

namespace {

// Case c's Amos over the multi-tensor quadratic, one group per tensor with its eta and axes.
optim::Amos make_amos(const test::Fixture& f, const std::string& c, const NamedParameters& params) {
  std::vector<optim::ParamGroup> groups;
  for (const auto& [name, p] : params)
    groups.push_back(
        {{{name, p}},
         {{"eta", f.attr(c, name + "_eta")}, {"reduce_axes", f.ints(c, name + "_axes")}}});
  return optim::Amos(std::move(groups), {.lr = f.attr(c, "lr"),
                                         .beta = f.attr(c, "beta"),
                                         .momentum = f.attr(c, "momentum"),
                                         .clip_value = f.attr(c, "clip_value"),
                                         .extra_l2 = f.attr(c, "extra_l2"),
                                         .d_coef = f.attr(c, "d_coef"),
                                         .c_coef = f.attr(c, "c_coef")});
}

}  // namespace

TEST_CASE("Amos: 20 steps match the NumPy transcription of ALGORITHMS.md") {
  const test::Fixture f("optim_numpy");
  for (const std::string c :
       {"multi_amos_full", "multi_amos_reduced", "multi_amos_momentum_clip"}) {
    INFO("case " << c);
    test::MultiQuadratic problem(f);
    optim::Amos opt = make_amos(f, c, problem.params());
    test::check_multi_trajectory(f, c, opt, problem, 1e-10);
  }
}

TEST_CASE("Amos: the parabola and Rosenbrock numbers ALGORITHMS.md records") {
  // loss = sum((theta - [1, -1, 1])^2), theta_0 = [-1, 10, 1], lr 1, eta 1, scalar slot.
  const Tensor theta = tensor<double>({-1, 10, 1}, {3}, true);
  optim::Amos opt(std::vector<optim::ParamGroup>{{{{"theta", theta}}, {{"eta", 1.0}}}},
                  {.lr = 1.0, .beta = 0.999});
  CHECK(opt.slot_shape(0) == Shape{1});
  const std::vector<double> c{1, -1, 1};
  const std::map<int, std::vector<double>> expected{{1, {-0.190161, 3.295887, 0.5}},
                                                    {2, {0.022347, 2.269856, 0.531725}},
                                                    {10, {0.799448, -0.491529, 0.867875}},
                                                    {100, {1, -1, 1}}};
  const std::map<int, double> expected_b{{1, 1.0}, {2, 1.49623}, {10, 3.73653}, {100, 3.92502}};
  for (int t = 1; t <= 100; ++t) {
    std::vector<double> x = theta.to_vector<double>(), g(3);
    for (int i = 0; i < 3; ++i) g[i] = 2 * (x[i] - c[i]);
    theta.set_grad(tensor(g, {3}));
    opt.step();
    if (!expected.count(t)) continue;
    INFO("step " << t);
    x = theta.to_vector<double>();
    for (int i = 0; i < 3; ++i) CHECK(x[i] == doctest::Approx(expected.at(t)[i]).epsilon(2e-6));
    const double b = opt.state_dict()["state.theta.b"].item();
    CHECK(b == doctest::Approx(expected_b.at(t)).epsilon(2e-6));
  }

  // Rosenbrock (a = 1, b = 100) from [0, 0], lr 0.5, beta 0.5, clip 1, momentum 0.9.
  const Tensor xy = tensor<double>({0, 0}, {2}, true);
  optim::Amos ros(std::vector<optim::ParamGroup>{{{{"xy", xy}}, {{"eta", 1.0}}}},
                  {.lr = 0.5, .beta = 0.5, .momentum = 0.9, .clip_value = 1.0});
  const std::map<int, std::vector<double>> ros_expected{
      {10, {0.662090, 0.342890}}, {100, {0.922902, 0.851002}}, {1000, {0.999959, 0.999912}}};
  for (int t = 1; t <= 1000; ++t) {
    const std::vector<double> p = xy.to_vector<double>();
    const double x = p[0], y = p[1];
    xy.set_grad(tensor<double>({-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)}, {2}));
    ros.step();
    if (!ros_expected.count(t)) continue;
    INFO("step " << t);
    const std::vector<double> q = xy.to_vector<double>();
    for (int i = 0; i < 2; ++i) CHECK(q[i] == doctest::Approx(ros_expected.at(t)[i]).epsilon(2e-6));
  }
}

TEST_CASE("Amos: default eta and slot shapes follow jestimator's BERT rules") {
  const Tensor w = ones({6, 4}, {.requires_grad = true});
  const Tensor conv = ones({8, 3, 3, 3}, {.requires_grad = true});
  const Tensor bias = ones({6}, {.requires_grad = true});
  const Tensor gain = ones({6}, {.requires_grad = true});
  const optim::Amos opt(NamedParameters{
      {"fc.weight", w}, {"conv.weight", conv}, {"fc.bias", bias}, {"norm.weight", gain}});
  CHECK(opt.slot_shape(0) == Shape{6, 1});
  CHECK(opt.slot_shape(1) == Shape{8, 1, 1, 1});
  CHECK(opt.slot_shape(2) == Shape{1});
  const auto eta = [&](std::size_t i) {
    return std::get<double>(opt.per_param_options(i).at("eta"));
  };
  CHECK(eta(0) == doctest::Approx(std::sqrt(1.0 / 4)));
  CHECK(eta(1) == doctest::Approx(std::sqrt(1.0 / 27)));
  CHECK(eta(2) == 0.5);
  CHECK(eta(3) == 1.0);
  CHECK(std::get<Axes>(opt.per_param_options(1).at("reduce_axes")) == Axes{1, 2, 3});
  const auto group = [&](const optim::OptionValues& options) {
    return std::vector<optim::ParamGroup>{{.params = {{"w", w}}, .options = options}};
  };
  CHECK_THROWS_WITH_AS(optim::Amos(group({{"reduce_axes", Axes{2}}})),
                       "Amos: reduce_axes [2] of w [6,4]: axis 2 out of range", Error);
  CHECK_THROWS_WITH_AS(optim::Amos(group({{"eta", -1.0}})),
                       "Amos param group 0: eta = -1: out of range: must be >= 0", Error);
  CHECK_THROWS_WITH_AS(optim::Amos(group({{"eta", 0.0}})), "Amos: eta of w is 0 (must be > 0)",
                       Error);
  CHECK_THROWS_WITH_AS(optim::Amos(group({{"eta", Axes{1}}})),
                       "Amos param group 0: eta = [1]: expected a number", Error);
  CHECK_THROWS_WITH_AS(optim::Amos(group({{"betas", 0.9}})),
                       "Amos param group 0: unknown option 'betas' (did you mean 'beta'?) (known: "
                       "lr, beta, momentum, clip_value, extra_l2, d_coef, c_coef, epsilon, eta, "
                       "reduce_axes, lr_mult)",
                       Error);
}

TEST_CASE("Amos: f32 parameters follow the f64 trajectory") {
  const test::Fixture f("optim_numpy");
  const std::string c = "multi_amos_reduced";
  test::MultiQuadratic problem(f);
  NamedParameters params32;
  for (const auto& [name, p] : problem.params())
    params32.add(name, Tensor(p.data().to(DType::f32), true));
  optim::Amos opt = make_amos(f, c, params32);
  for (int s = 0; s < 20; ++s) {  // the gradient at the f32 parameters, computed in f64
    for (const auto& [name, p] : params32)
      problem.params()[name].data().copy_(p.data().to(DType::f64));
    problem.compute_grads();
    for (const auto& [name, p] : params32)
      p.set_grad(Tensor(problem.params()[name].grad().data().to(DType::f32)));
    opt.step();
  }
  for (const auto& [name, p] : params32) {
    const core::Tensor expected = f.tensor(c + "/" + name + "_trajectory");
    const std::int64_t n = expected.shape()[1];
    test::expect_close(p.data().to(DType::f64).reshape({n}), expected.select(0, 19), 1e-4, 1e-5);
  }
}

TEST_CASE("Amos state_dict: a run restored mid-way continues bit-identically") {
  const test::Fixture f("optim_numpy");
  test::check_multi_resume(
      f,
      [&](const NamedParameters& params) {
        return make_amos(f, "multi_amos_momentum_clip", params);
      },
      5, 7);
}
