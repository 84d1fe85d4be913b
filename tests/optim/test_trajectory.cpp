// SGD, Adam and AdamW against torch.optim: 20-step parameter trajectories on a quadratic and a
// small MLP, every fixture case of tests/fixtures/gen_optim.py, to 1e-6 relative.
#include <doctest/doctest.h>

#include "optim/optim_problems.hpp"

using namespace liandan;

TEST_CASE("SGD Adam AdamW step: 20-step trajectories match torch.optim on every fixture case") {
  const test::Fixture f("optim");
  int checked = 0;
  for (const std::string& c : f.cases()) {
    if (c.starts_with("clip_")) continue;
    INFO("case " << c);
    const std::string problem_name = c.substr(0, c.find('_'));
    auto problem = test::make_problem(f, problem_name);
    auto opt = test::make_optimizer(f, c, optim::single_group(problem->params()));
    const core::Tensor trajectory = test::run(*problem, *opt, int(f.attr(c, "steps")));
    test::expect_close(trajectory, f.tensor(c + "/trajectory"), 1e-6, 1e-9);
    ++checked;
  }
  CHECK(checked == 16);
}
