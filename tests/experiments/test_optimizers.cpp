// make_optimizer / make_schedule: every optimizer row builds, groups follow the globs.
#include <doctest/doctest.h>

#include "liandan/experiments/optimizers.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/optim/adamw.hpp"

using namespace liandan;
using namespace liandan::experiments;

TEST_CASE("make_optimizer: every table row builds over the spiral model") {
  for (const OptimizerEntry& entry : optimizer_table()) {
    CAPTURE(entry.name);
    const Config c = Config::parse("task: spiral\n", "run.yaml", {"optimizer.name=" + entry.name});
    const auto task = make_task(c);
    const OptimizerSetup setup = make_optimizer(c, task->model());
    CHECK(setup.group_names == std::vector<std::string>{"default"});
    CHECK(setup.optimizer->param_groups()[0].lr() ==
          c.get<double>("optimizer." + entry.name + ".lr"));
    CHECK(setup.optimizer->param_groups()[0].params.size() ==
          task->model().named_parameters().size());
  }
}

TEST_CASE("make_optimizer: parameter groups by glob, lr_scale, weight_decay, first match wins") {
  const Config c = Config::parse(
      "task: spiral\nmodel: {depth: 2}\noptimizer:\n  adamw: {lr: 0.1, weight_decay: 0.5}\n"
      "  groups:\n    - {name: no_decay, params: ['*.bias'], weight_decay: 0}\n"
      "    - {name: first, params: ['0.*', '*.bias'], lr_scale: 0.5}\n"
      "  clip_grad_norm: 1\n",
      "run.yaml");
  const auto task = make_task(c);
  const OptimizerSetup setup = make_optimizer(c, task->model());
  CHECK(setup.optimizer->name() == "AdamW");
  CHECK(setup.group_names == std::vector<std::string>{"no_decay", "first", "default"});
  const auto& groups = setup.optimizer->param_groups();
  CHECK(groups[0].params.size() == 3);  // 3 Linear biases
  CHECK(groups[0].number("weight_decay") == 0);
  REQUIRE(groups[1].params.size() == 1);  // 0.weight (0.bias went to no_decay)
  CHECK(groups[1].params.names() == std::vector<std::string>{"0.weight"});
  CHECK(groups[1].lr() == 0.05);
  CHECK(groups[1].number("weight_decay") == 0.5);
  CHECK(groups[2].params.size() == 2);
  CHECK(groups[2].lr() == 0.1);
  CHECK(setup.clip_grad_norm == 1);

  const Config none = Config::parse(
      "task: spiral\noptimizer: {groups: [{name: g, params: ['*.gamma']}]}\n", "run.yaml");
  CHECK_THROWS_WITH_AS(make_optimizer(none, make_task(none)->model()),
                       "optimizer.groups.0 (g): no parameter left matches *.gamma", Error);
}

TEST_CASE("make_schedule: rows build from their options and check them against train.steps") {
  const Config c = Config::parse(
      "task: spiral\ntrain: {steps: 100}\nschedule: {name: warmup_cosine, warmup_cosine: "
      "{warmup_steps: 10, min_ratio: 0.1}}\n",
      "run.yaml");
  const optim::Schedule s = make_schedule(c);
  CHECK(s(0) == 0);
  CHECK(s(10) == doctest::Approx(1));
  CHECK(s(100) == doctest::Approx(0.1));
  for (const ScheduleEntry& entry : schedule_table()) {
    CAPTURE(entry.name);
    CHECK_NOTHROW(make_schedule(
        Config::parse("task: spiral\n", "run.yaml", {"schedule.name=" + entry.name})));
  }
  const Config bad =
      Config::parse("task: spiral\ntrain: {steps: 10}\n", "run.yaml",
                    {"schedule.name=warmup_cosine", "schedule.warmup_cosine.warmup_steps=10"});
  CHECK_THROWS_WITH_AS(make_schedule(bad),
                       "schedule.warmup_cosine.warmup_steps: 10 must be less than train.steps 10",
                       Error);
}

TEST_CASE("make_optimizer: optimizer.layer_decay splits groups by depth") {
  const Config c = Config::parse(
      "task: spiral\nmodel: {depth: 2}\noptimizer:\n  adamw: {lr: 0.1}\n  layer_decay: 0.5\n"
      "  groups:\n    - {name: no_decay, params: ['*.bias'], weight_decay: 0}\n",
      "run.yaml");
  const auto task = make_task(c);
  const OptimizerSetup setup = make_optimizer(c, task->model());
  // Sequential(Linear, Tanh, Linear, Tanh, Linear): layers 0, 2, 4 at depths 1, 3, 5.
  CHECK(setup.group_names == std::vector<std::string>{"no_decay.depth1", "no_decay.depth3",
                                                      "no_decay.depth5", "default.depth1",
                                                      "default.depth3", "default.depth5"});
  const auto& groups = setup.optimizer->param_groups();
  CHECK(groups[0].lr() == doctest::Approx(0.1 * 0.0625));
  CHECK(groups[2].lr() == doctest::Approx(0.1));
  CHECK(groups[3].params.names()[0] == "0.weight");
  CHECK(groups[4].lr() == doctest::Approx(0.1 * 0.25));
  CHECK(groups[0].number("weight_decay") == 0);
}
