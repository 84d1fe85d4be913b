// optim::Schedule: every schedule against its closed form at chosen steps (step 0, the ends of
// warmup and decay, past the end), composition with then() / product(), str(), values() and
// apply_schedule on a parameter group.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "liandan/autograd/autograd.hpp"
#include "liandan/optim/lion.hpp"
#include "liandan/optim/schedule.hpp"

using namespace liandan;
using optim::Schedule;

namespace {

// schedule(step) == expected(step) to 1e-15 (absolute; multipliers are O(1)) at every step.
template <typename Fn>
void check_closed_form(const Schedule& schedule, const std::vector<std::int64_t>& steps,
                       Fn expected) {
  for (const std::int64_t t : steps) {
    INFO(schedule.str() << " at step " << t);
    CHECK(std::abs(schedule(t) - expected(t)) <= 1e-15);
  }
}

const double pi = std::numbers::pi;

}  // namespace

TEST_CASE("constant linear_warmup: closed form at 0, inside, end of warmup and past it") {
  check_closed_form(optim::constant(0.3), {0, 1, 1000}, [](std::int64_t) { return 0.3; });
  const Schedule w = optim::linear_warmup(8);
  CHECK(w(0) == 0.0);
  CHECK(w(2) == 0.25);
  CHECK(w(7) == 0.875);
  CHECK(w(8) == 1.0);
  CHECK(w(100) == 1.0);
}

TEST_CASE("cosine warmup_cosine: ALGORITHMS.md section 4 formula with a floor") {
  const double r = 0.1;
  const std::int64_t W = 10, T = 110;
  const auto form = [&](std::int64_t t) {
    if (t < W) return double(t) / double(W);
    const double x = double(std::min(t, T) - W) / double(T - W);
    return r + 0.5 * (1 - r) * (1 + std::cos(pi * x));
  };
  const Schedule s = optim::warmup_cosine(W, T, r);
  check_closed_form(s, {0, 1, 5, 9, 10, 11, 35, 60, 85, 109, 110, 111, 5000}, form);
  CHECK(s(0) == 0.0);
  CHECK(s(W) == 1.0);                                    // end of warmup: the peak
  CHECK(s(60) == doctest::Approx(0.55).epsilon(1e-15));  // half way: (1 + r) / 2
  CHECK(s(T) == doctest::Approx(r).epsilon(1e-15));      // end of decay: the floor
  CHECK(s(10 * T) == s(T));                              // past the end: held
  const Schedule c = optim::cosine(100, 0.0);
  check_closed_form(c, {0, 25, 50, 100, 101}, [](std::int64_t t) {
    return 0.5 * (1 + std::cos(pi * double(std::min<std::int64_t>(t, 100)) / 100));
  });
  CHECK(c(0) == 1.0);
  CHECK(std::abs(c(100)) <= 1e-16);
  // W = 0: pure cosine.
  CHECK(optim::warmup_cosine(0, 100, 0.2).values(0, 120) == optim::cosine(100, 0.2).values(0, 120));
}

TEST_CASE("linear_decay inverse_sqrt: closed form at the boundaries") {
  const Schedule d = optim::linear_decay(20, 0.1);
  check_closed_form(d, {0, 1, 10, 19, 20, 21, 400}, [](std::int64_t t) {
    return 1 - 0.9 * double(std::min<std::int64_t>(t, 20)) / 20;
  });
  CHECK(d(0) == 1.0);
  CHECK(d(20) == doctest::Approx(0.1).epsilon(1e-15));
  const Schedule s = optim::inverse_sqrt(4000);
  // Vaswani eq. (3) divided by its peak d_model^-0.5 * W^-0.5 at t = W.
  const auto vaswani = [](std::int64_t t) {
    const double W = 4000, peak = std::pow(W, -0.5);
    return std::min(std::pow(double(t), -0.5), double(t) * std::pow(W, -1.5)) / peak;
  };
  check_closed_form(s, {1, 2, 1000, 3999, 4000, 4001, 16000, 1000000}, vaswani);
  CHECK(s(0) == 0.0);
  CHECK(s(4000) == 1.0);
  CHECK(s(16000) == 0.5);
}

TEST_CASE("step_decay multi_step: gamma to the number of boundaries passed") {
  const Schedule s = optim::step_decay(30, 0.5);
  check_closed_form(s, {0, 29, 30, 59, 60, 95},
                    [](std::int64_t t) { return std::pow(0.5, double(t / 30)); });
  CHECK(s(29) == 1.0);
  CHECK(s(30) == 0.5);
  CHECK(s(60) == 0.25);
  const Schedule m = optim::multi_step({10, 25, 40}, 0.1);
  CHECK(m(0) == 1.0);
  CHECK(m(9) == 1.0);
  CHECK(m(10) == 0.1);
  CHECK(m(24) == 0.1);
  CHECK(m(25) == std::pow(0.1, 2));
  CHECK(m(40) == std::pow(0.1, 3));
  CHECK(m(1000) == std::pow(0.1, 3));
  CHECK(optim::multi_step({}, 0.1)(50) == 1.0);
}

TEST_CASE("wsd: warmup, stable, linear decay, then the end ratio") {
  const Schedule s = optim::wsd(10, 50, 40, 0.1);
  check_closed_form(s, {0, 5, 9, 10, 30, 59, 60, 61, 80, 99, 100, 101, 10000}, [](std::int64_t t) {
    if (t < 10) return double(t) / 10;
    if (t < 60) return 1.0;
    if (t < 100) return 1 - 0.9 * double(t - 60) / 40;
    return 0.1;
  });
  CHECK(s(10) == 1.0);  // end of warmup
  CHECK(s(60) == 1.0);  // end of stable: decay starts from 1
  CHECK(s(100) == 0.1);
  // No warmup, no decay: constant 1 then the end ratio.
  const Schedule flat = optim::wsd(0, 5, 0, 0.25);
  CHECK(flat.values(0, 7) == std::vector<double>{1, 1, 1, 1, 1, 0.25, 0.25});
}

TEST_CASE("then product: warmup then cosine equals warmup_cosine, wsd from pieces") {
  const Schedule composed = optim::then(optim::linear_warmup(10), 10, optim::cosine(100, 0.1));
  CHECK(composed.values(0, 130) == optim::warmup_cosine(10, 110, 0.1).values(0, 130));
  const Schedule pieces =
      optim::then(optim::linear_warmup(10), 10,
                  optim::then(optim::constant(1), 50, optim::linear_decay(40, 0.1)));
  CHECK(pieces.values(0, 120) == optim::wsd(10, 50, 40, 0.1).values(0, 120));
  const Schedule half = optim::product(optim::constant(0.5), optim::step_decay(10, 0.1));
  CHECK(half(0) == 0.5);
  CHECK(half(10) == 0.5 * 0.1);
  // then with 0 steps is the second schedule.
  CHECK(optim::then(optim::constant(2), 0, optim::constant(3))(0) == 3.0);
}

TEST_CASE("Schedule str values: descriptions and ranges for plotting") {
  CHECK(optim::then(optim::linear_warmup(100), 100, optim::cosine(900, 0.1)).str() ==
        "then(linear_warmup(warmup=100), 100, cosine(steps=900, min_ratio=0.1))");
  CHECK(optim::warmup_cosine(10, 110, 0.1).str() ==
        "warmup_cosine(warmup=10, total=110, min_ratio=0.1)");
  CHECK(optim::multi_step({10, 20}, 0.5).str() == "multi_step(milestones=[10, 20], gamma=0.5)");
  CHECK(optim::wsd(1, 2, 3, 0.25).str() == "wsd(warmup=1, stable=2, decay=3, end_ratio=0.25)");
  CHECK(optim::product(optim::constant(0.5), optim::inverse_sqrt(4)).str() ==
        "product(constant(0.5), inverse_sqrt(warmup=4))");
  CHECK(optim::step_decay(3, 0.5).str() == "step_decay(step_size=3, gamma=0.5)");
  CHECK(optim::linear_decay(5).str() == "linear_decay(steps=5, end_ratio=0)");
  const Schedule w = optim::linear_warmup(4);
  CHECK(w.values(2, 6) == std::vector<double>{0.5, 0.75, 1, 1});
  CHECK(w.values(3, 3).empty());
}

TEST_CASE("Schedule constructors: invalid arguments and steps are errors naming them") {
  CHECK_THROWS_WITH_AS(optim::linear_warmup(0), doctest::Contains("invalid warmup_steps 0"), Error);
  CHECK_THROWS_WITH_AS(optim::cosine(10, 1.5), doctest::Contains("cosine: invalid min_ratio 1.5"),
                       Error);
  CHECK_THROWS_WITH_AS(optim::warmup_cosine(10, 10), doctest::Contains("need 0 <= W < T"), Error);
  CHECK_THROWS_WITH_AS(optim::multi_step({5, 5}, 0.1),
                       doctest::Contains("strictly increasing, got 5 at index 1"), Error);
  CHECK_THROWS_WITH_AS(optim::step_decay(0, 0.1), doctest::Contains("invalid step_size 0"), Error);
  CHECK_THROWS_WITH_AS(optim::wsd(-1, 0, 0), doctest::Contains("wsd: invalid warmup -1"), Error);
  CHECK_THROWS_WITH_AS(optim::linear_warmup(4)(-1),
                       doctest::Contains("linear_warmup(warmup=4): invalid step -1"), Error);
  CHECK_THROWS_WITH_AS(optim::constant().values(5, 4), doctest::Contains("invalid range [5, 4)"),
                       Error);
}

TEST_CASE("apply_schedule: sets a group's lr to its initial lr times the multiplier") {
  const NamedParameters a{{"a", ones({2}, {.requires_grad = true})}};
  const NamedParameters b{{"b", ones({2}, {.requires_grad = true})}};
  optim::Lion opt(
      std::vector<optim::ParamGroup>{{.params = a}, {.params = b, .options = {{"lr", 0.5}}}},
      {.lr = 1e-2});
  const Schedule s = optim::linear_warmup(4);
  optim::apply_schedule(opt, 0, s, 1);
  CHECK(opt.lr(0) == 1e-2 * 0.25);
  CHECK(opt.options(0).lr == 1e-2 * 0.25);  // what the kernel reads
  CHECK(opt.lr(1) == 0.5);                  // other group untouched
  optim::apply_schedule(opt, s, 2);
  CHECK(opt.lr(0) == 1e-2 * 0.5);
  CHECK(opt.lr(1) == 0.5 * 0.5);
  optim::apply_schedule(opt, 1, s, 10);
  CHECK(opt.lr(1) == 0.5);
  CHECK(opt.initial_lr(1) == 0.5);
  CHECK_THROWS_WITH_AS(optim::apply_schedule(opt, 2, s, 0),
                       doctest::Contains("Lion has 2 param groups, no group 2"), Error);
  CHECK_THROWS_WITH_AS(
      optim::apply_schedule(opt, 0, Schedule("negative", [](std::int64_t) { return -1.0; }), 0),
      doctest::Contains("gives lr -0.01 in param group 0"), Error);
}

TEST_CASE("amos_decay inverse_time_decay: closed forms, halving at the half life") {
  const Schedule a = optim::amos_decay(1000);
  CHECK(a(0) == 1);
  CHECK(a(1000) == doctest::Approx(0.5).epsilon(1e-12));
  const double k = (std::sqrt(2.0) - 1) / 1000;
  CHECK(a(250) == doctest::Approx(1 / ((1 + 250 * k) * (1 + 250 * k))).epsilon(1e-12));
  CHECK(a(3000) < a(2000));
  CHECK(a.str() == "amos_decay(half_life=1000)");
  const Schedule b = optim::inverse_time_decay(50);
  CHECK(b(0) == 1);
  CHECK(b(50) == 0.5);
  CHECK(b(150) == 0.25);
  CHECK_THROWS_WITH_AS(optim::amos_decay(0), doctest::Contains("amos_decay: invalid half_life 0"),
                       Error);
}
