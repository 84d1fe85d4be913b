// make_optimizer / make_schedule: every optimizer entry builds and takes every option of its
// field table from YAML; YAML groups are GroupBuilder rules.
#include <doctest/doctest.h>

#include "liandan/experiments/optimizers.hpp"
#include "liandan/experiments/schedules.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/optim/adam.hpp"
#include "liandan/optim/adamw.hpp"
#include "liandan/optim/amos.hpp"
#include "liandan/optim/lion.hpp"
#include "liandan/optim/muon.hpp"
#include "liandan/optim/param_groups.hpp"

using namespace liandan;
using namespace liandan::experiments;

namespace {

// The group names and parameter names of opt, group by group.
std::vector<std::pair<std::string, std::vector<std::string>>> layout(const optim::Optimizer& opt) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const optim::ParamGroup& g : opt.param_groups()) {
    out.push_back({g.name, {}});
    for (const auto& [name, p] : g.params) out.back().second.push_back(name);
  }
  return out;
}

}  // namespace

TEST_CASE("make_optimizer: every table entry builds over the spiral model") {
  for (const OptimizerEntry& entry : optimizer_table()) {
    CAPTURE(entry.name);
    const Config c = Config::parse("task: spiral\n", "run.yaml", {"optimizer.name=" + entry.name});
    const auto task = make_task(c);
    const OptimizerSetup setup = make_optimizer(c, task->model());
    REQUIRE(setup.optimizer->param_groups().size() == 1);
    CHECK(setup.optimizer->param_groups()[0].name == "default");
    CHECK(setup.optimizer->lr(0) == c.get<double>("optimizer." + entry.name + ".lr"));
    CHECK(setup.optimizer->param_groups()[0].params.size() ==
          task->model().named_parameters().size());
  }
}

TEST_CASE("make_optimizer: every option of the field table is settable from YAML") {
  const auto task = make_task(Config::parse("task: spiral\n", "run.yaml"));
  const auto build = [&](const std::vector<std::string>& sets) {
    return make_optimizer(Config::parse("task: spiral\n", "run.yaml", sets), task->model());
  };
  const OptimizerSetup amos = build({"optimizer.name=amos", "optimizer.amos.epsilon=1e-20",
                                     "optimizer.amos.eta=0.5", "optimizer.amos.reduce_axes=[]"});
  const auto& a = dynamic_cast<const optim::Amos&>(*amos.optimizer);
  CHECK(a.options(0).epsilon == 1e-20);
  CHECK(a.options(0).eta == 0.5);
  CHECK(a.slot_shape(0) == Shape{64, 2});  // no reduced axes: one slot per entry
  const OptimizerSetup muon =
      build({"optimizer.name=muon", "optimizer.muon.ns_steps=3", "optimizer.muon.scale=jordan"});
  const auto& m = dynamic_cast<const optim::Muon&>(*muon.optimizer);
  CHECK(m.options(0).ns_steps == 3);
  CHECK(m.options(0).scale == optim::MuonScale::jordan);
  CHECK(build({"optimizer.name=adam", "optimizer.adam.amsgrad=true"})
            .optimizer->per_param_options(0)
            .at("amsgrad") == FieldValue(true));
  CHECK_THROWS_WITH_AS(build({"optimizer.name=muon", "optimizer.muon.ns_steps=0"}),
                       "--set optimizer.muon.ns_steps=0: optimizer.muon.ns_steps: 0 is out of "
                       "range: must be >= 1",
                       Error);
}

TEST_CASE("make_optimizer: groups are GroupBuilder::group rules, lr_mult, weight_decay") {
  const Config c = Config::parse(
      "task: spiral\nmodel: {depth: 2}\noptimizer:\n  adamw: {lr: 0.1, weight_decay: 0.5}\n"
      "  groups:\n    - {name: no_decay, params: ['*.bias'], weight_decay: 0}\n"
      "    - {name: first, params: ['0.*', '*.bias'], lr_mult: 0.5}\n"
      "  clip_grad_norm: 1\n",
      "run.yaml");
  const auto task = make_task(c);
  const OptimizerSetup setup = make_optimizer(c, task->model());
  CHECK(setup.optimizer->name() == "AdamW");
  // A later rule overrides an earlier one: every bias gets lr_mult 0.5 and keeps weight_decay 0.
  // Groups come in the order of their last rule, then of their first parameter.
  using Layout = std::vector<std::pair<std::string, std::vector<std::string>>>;
  CHECK(layout(*setup.optimizer) == Layout{{"first", {"0.weight"}},
                                           {"no_decay+first", {"0.bias", "2.bias", "4.bias"}},
                                           {"default", {"2.weight", "4.weight"}}});
  const auto& opt = dynamic_cast<const optim::AdamW&>(*setup.optimizer);
  CHECK(opt.options(0).lr == 0.05);
  CHECK(opt.options(0).weight_decay == 0.5);
  CHECK(opt.options(1).lr == 0.05);
  CHECK(opt.options(1).weight_decay == 0);
  CHECK(opt.options(2).lr == 0.1);
  CHECK(setup.clip_grad_norm == 1);

  const Config none = Config::parse(
      "task: spiral\noptimizer: {groups: [{name: g, params: ['*.gamma']}]}\n", "run.yaml");
  CHECK_THROWS_WITH_AS(make_optimizer(none, make_task(none)->model()),
                       "param groups: group('g', ['*.gamma']) matches no parameter (first names: "
                       "0.weight, 0.bias, ...)",
                       Error);
  CHECK_THROWS_WITH_AS(
      Config::parse("task: spiral\noptimizer: {groups: [{name: g, params: ['*.bias'], "
                    "lr_scale: 2}]}\n",
                    "run.yaml"),
      "run.yaml:2:52: optimizer.groups.0.lr_scale: unknown key (renamed to 'lr_mult')", Error);
}

TEST_CASE("make_optimizer: YAML groups equal GroupBuilder's groups for the same rules") {
  const Config c = Config::parse(
      "task: spiral\nmodel: {depth: 2}\noptimizer:\n  name: lion\n  layer_decay: 0.5\n"
      "  groups:\n    - {name: no_decay, params: ['*.bias'], weight_decay: 0}\n"
      "    - {name: head, params: ['4.*'], lr_mult: 3}\n",
      "run.yaml");
  const auto task = make_task(c);
  const OptimizerSetup from_yaml = make_optimizer(c, task->model());
  const optim::Lion from_cpp(optim::GroupBuilder(task->model().named_parameters())
                                 .group("no_decay", {"*.bias"}, {{"weight_decay", 0.0}})
                                 .group("head", {"4.*"}, {{"lr_mult", 3.0}})
                                 .layer_decay(0.5)
                                 .build(),
                             {.lr = c.get<double>("optimizer.lion.lr")});
  CHECK(layout(*from_yaml.optimizer) == layout(from_cpp));
  CHECK(optim::format_groups(*from_yaml.optimizer) == optim::format_groups(from_cpp));
  CHECK(layout(from_cpp).back().first == "default.depth3");
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
  // Su's Amos decay after a warmup: 1 at the warmup's end, half a half-life later.
  const optim::Schedule amos = make_schedule(
      Config::parse("task: spiral\n", "run.yaml",
                    {"schedule.name=amos_decay", "schedule.amos_decay.warmup_steps=10",
                     "schedule.amos_decay.half_life=100"}));
  CHECK(amos(5) == doctest::Approx(0.5));
  CHECK(amos(10) == doctest::Approx(1));
  CHECK(amos(110) == doctest::Approx(0.5));
  const optim::Schedule inverse_time = make_schedule(
      Config::parse("task: spiral\n", "run.yaml",
                    {"schedule.name=inverse_time", "schedule.inverse_time.half_life=100"}));
  CHECK(inverse_time(100) == doctest::Approx(0.5));
  CHECK(inverse_time(300) == doctest::Approx(0.25));
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
  std::vector<std::string> names;
  for (const optim::ParamGroup& g : setup.optimizer->param_groups()) names.push_back(g.name);
  CHECK(names == std::vector<std::string>{"no_decay.depth1", "no_decay.depth3", "no_decay.depth5",
                                          "default.depth1", "default.depth3", "default.depth5"});
  const auto& opt = dynamic_cast<const optim::AdamW&>(*setup.optimizer);
  CHECK(opt.lr(0) == doctest::Approx(0.1 * 0.0625));
  CHECK(opt.lr(2) == doctest::Approx(0.1));
  CHECK(opt.param_groups()[3].params.names()[0] == "0.weight");
  CHECK(opt.lr(4) == doctest::Approx(0.1 * 0.25));
  CHECK(opt.options(0).weight_decay == 0);
}
