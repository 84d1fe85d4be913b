// Lion and Tiger: 20-step trajectories against the NumPy transcription of
// tests/fixtures/gen_optim_numpy.py, the sanity numbers of /work/shared/ALGORITHMS.md section 2,
// Tiger == Lion(beta, beta), option errors and the state_dict round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "liandan/core/parallel.hpp"
#include "liandan/optim/lion.hpp"
#include "optim/optim_problems.hpp"
#include "support/named_tensors.hpp"

using namespace liandan;

namespace {

// The optimizer of case c of optim_numpy.h5 over groups.
std::unique_ptr<optim::Optimizer> make_sign_optimizer(const test::Fixture& f, const std::string& c,
                                                      std::vector<optim::ParamGroup> groups) {
  if (f.text(c, "optimizer") == "lion")
    return std::make_unique<optim::Lion>(
        std::move(groups), optim::LionOptions{.lr = f.attr(c, "lr"),
                                              .beta1 = f.attr(c, "beta1"),
                                              .beta2 = f.attr(c, "beta2"),
                                              .weight_decay = f.attr(c, "weight_decay")});
  return std::make_unique<optim::Tiger>(
      std::move(groups), optim::TigerOptions{.lr = f.attr(c, "lr"),
                                             .beta = f.attr(c, "beta"),
                                             .weight_decay = f.attr(c, "weight_decay")});
}

// loss = 0.5 * sum_i a_i (theta_i - 0.5)^2, a = (1, 10), theta_0 = (1, -2) (ALGORITHMS.md
// section 1): theta after each step.
template <typename Opt, typename Options>
std::vector<std::vector<double>> descend(Options options, int steps, DType dtype = DType::f64) {
  const Tensor theta(core::Tensor::from({1.0, -2.0}, Shape{2}).to(dtype), true);
  Opt opt(NamedParameters{{"theta", theta}}, options);
  std::vector<std::vector<double>> out;
  for (int s = 0; s < steps; ++s) {
    const std::vector<double> t = theta.to_vector<double>();
    theta.set_grad(Tensor(core::Tensor::from({t[0] - 0.5, 10 * (t[1] - 0.5)}, Shape{2}).to(dtype)));
    opt.step();
    out.push_back(theta.to_vector<double>());
  }
  return out;
}

}  // namespace

TEST_CASE("Lion Tiger step: 20-step trajectories match the NumPy transcription to 1e-12") {
  const test::Fixture f("optim_numpy");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    if (!c.starts_with("quad_")) continue;  // the multi_ cases are Amos's and Muon's
    INFO("case " << c);
    test::Quadratic problem(f);
    auto opt = make_sign_optimizer(f, c, optim::single_group(problem.params()));
    const core::Tensor trajectory = test::run(problem, *opt, int(f.attr(c, "steps")));
    test::expect_close(trajectory, f.tensor(c + "/trajectory"), 1e-12, 1e-15);
    ++checked;
  }
  CHECK(checked == 5);
}

TEST_CASE("Lion step: ALGORITHMS.md sanity numbers, lr 0.01, wd 1.0, 3 steps, f64 and f32") {
  const std::vector<std::vector<double>> expected = {
      {0.98, -1.97}, {0.9602, -1.9403}, {0.940598, -1.910897}};
  for (const DType dtype : {DType::f64, DType::f32}) {
    INFO("dtype " << name(dtype));
    const auto got =
        descend<optim::Lion>(optim::LionOptions{.lr = 0.01, .weight_decay = 1.0}, 3, dtype);
    const double tol = dtype == DType::f64 ? 1e-12 : 1e-6;
    for (std::size_t s = 0; s < 3; ++s)
      for (std::size_t i = 0; i < 2; ++i) {
        INFO("step " << s + 1 << " element " << i);
        CHECK(std::abs(got[s][i] - expected[s][i]) <= tol);
      }
  }
}

TEST_CASE("Lion step: without decay every coordinate moves by exactly lr, a zero gradient not") {
  const Tensor w(core::Tensor::from({0.0, 0.0, 0.0}, Shape{3}), true);
  optim::Lion opt(NamedParameters{{"w", w}}, {.lr = 0.125});
  w.set_grad(Tensor(core::Tensor::from({-3.0, 0.0, 1e-30}, Shape{3})));
  opt.step();
  CHECK(w.to_vector<double>() == std::vector<double>{0.125, 0.0, -0.125});
}

TEST_CASE("Tiger step: equals Lion with beta1 = beta2 = beta bit for bit") {
  const test::Fixture f("optim_numpy");
  test::Quadratic tiger_problem(f), lion_problem(f);
  optim::Tiger tiger(tiger_problem.params(), {.lr = 0.02, .beta = 0.9, .weight_decay = 0.1});
  optim::Lion lion(lion_problem.params(),
                   {.lr = 0.02, .beta1 = 0.9, .beta2 = 0.9, .weight_decay = 0.1});
  CHECK(test::run(tiger_problem, tiger, 15).to_vector<double>() ==
        test::run(lion_problem, lion, 15).to_vector<double>());
  CHECK(tiger.name() == "Tiger");
}

TEST_CASE("Lion Tiger constructor: defaults, and invalid options are errors naming them") {
  const NamedParameters p{{"w", ones({2}, {.requires_grad = true})}};
  const optim::Lion lion(p);
  const optim::LionOptions& lo = lion.options(0);
  CHECK(lo.lr == 1e-4);
  CHECK(lo.beta1 == 0.9);
  CHECK(lo.beta2 == 0.99);
  CHECK(lo.weight_decay == 0);
  const optim::Tiger tiger(p);
  const optim::TigerOptions& to = tiger.options(0);
  CHECK(to.beta == 0.965);
  CHECK(to.lr == 1e-3);
  CHECK(to.weight_decay == 0.01);
  CHECK_THROWS_WITH_AS(optim::Lion(p, {.lr = -0.1}), "Lion: lr = -0.1: out of range: must be >= 0",
                       Error);
  CHECK_THROWS_WITH_AS(optim::Lion(p, {.beta1 = 1.0}),
                       "Lion: beta1 = 1: out of range: must be in [0, 1)", Error);
  CHECK_THROWS_WITH_AS(optim::Lion(p, {.beta2 = -0.5}),
                       "Lion: beta2 = -0.5: out of range: must be in [0, 1)", Error);
  CHECK_THROWS_WITH_AS(optim::Lion(p, {.weight_decay = -1}),
                       "Lion: weight_decay = -1: out of range: must be >= 0", Error);
  CHECK_THROWS_WITH_AS(optim::Tiger(p, {.beta = 1.5}),
                       "Tiger: beta = 1.5: out of range: must be in [0, 1)", Error);
  CHECK_THROWS_WITH_AS(optim::Tiger(p, {.lr = -1}), "Tiger: lr = -1: out of range: must be >= 0",
                       Error);
  // Tiger has one beta: Lion's names are unknown to it.
  CHECK_THROWS_WITH_AS(
      optim::Tiger(std::vector<optim::ParamGroup>{{.params = p, .options = {{"beta1", 0.9}}}}),
      "Tiger param group 0: unknown option 'beta1' (did you mean 'beta'?) (known: lr, beta, "
      "weight_decay, lr_mult)",
      Error);
}

TEST_CASE(
    "Lion Tiger state_dict load_state_dict: a run restored mid-way continues bit-identically") {
  const test::Fixture f("optim_numpy");
  for (const std::string c : {"quad_lion_wd", "quad_tiger_wd"}) {
    INFO("case " << c);
    test::Quadratic straight(f);
    auto opt = make_sign_optimizer(f, c, optim::single_group(straight.params()));
    const core::Tensor expected = test::run(straight, *opt, 12);

    test::Quadratic first_half(f);
    auto opt1 = make_sign_optimizer(f, c, optim::single_group(first_half.params()));
    test::run(first_half, *opt1, 7);
    const core::NamedTensors state = opt1->state_dict();
    std::vector<std::string> keys;
    for (const auto& [key, value] : state) keys.push_back(key);
    CHECK(keys[0] == "state.theta.step");
    CHECK(keys[1] == "state.theta.exp_avg");
    CHECK(keys.back() == "param_groups.0.initial_lr");

    test::Quadratic second_half(f);
    second_half.params()["theta"].data().copy_(first_half.params()["theta"].data());
    auto opt2 = make_sign_optimizer(f, c, optim::single_group(second_half.params()));
    opt2->load_state_dict(state);
    const core::Tensor rest = test::run(second_half, *opt2, 5);
    CHECK(rest.to_vector<double>() == expected.narrow(0, 7, 5).to_vector<double>());
  }
}

TEST_CASE("Lion load_state_dict: an unexpected field or a wrong shape is an error") {
  const Tensor a = ones({3}, {.dtype = DType::f64, .requires_grad = true});
  optim::Lion opt(NamedParameters{{"a", a}});
  a.set_grad(ones({3}, {.dtype = DType::f64}));
  opt.step();
  const core::NamedTensors state = opt.state_dict();
  const core::NamedTensors extra =
      test::appended(state, "state.a.exp_avg_sq", core::Tensor::zeros({3}, DType::f64));
  CHECK_THROWS_WITH_AS(opt.load_state_dict(extra), doctest::Contains("unexpected field exp_avg_sq"),
                       Error);
  const core::NamedTensors wrong =
      test::replaced(state, "state.a.exp_avg", core::Tensor::zeros({4}, DType::f64));
  CHECK_THROWS_WITH_AS(opt.load_state_dict(wrong),
                       doctest::Contains("exp_avg is [4] f64, expected [3] f64"), Error);
}

TEST_CASE("Lion step: a parameter above the parallel threshold updates every element") {
  const std::int64_t n = 4 * core::kParallelGrain + 3;
  const Tensor w = zeros({n}, {.requires_grad = true});
  std::vector<float> g(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = (i % 3 == 0) ? -2.f : 0.5f;
  w.set_grad(tensor(g, {n}));
  optim::Lion opt(NamedParameters{{"w", w}}, {.lr = 0.01});
  opt.step();
  const std::vector<float> out = w.to_vector<float>();
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < out.size(); ++i) bad += out[i] != (g[i] < 0 ? 0.01f : -0.01f);
  CHECK(bad == 0);
}
