// Config loading: every error kind names the file, line and dotted key; --set overrides; the
// resolved config round-trips.
#include <doctest/doctest.h>

#include "experiments/helpers.hpp"
#include "liandan/experiments/config.hpp"
#include "liandan/experiments/optimizers.hpp"
#include "liandan/experiments/tasks.hpp"

using namespace liandan;
using namespace liandan::experiments;

namespace {

// The message of the Error that parsing text (named "run.yaml") with overrides throws.
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    Config::parse(text, "run.yaml", overrides);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string base = "task: spiral\noptimizer:\n  name: adamw\n  adamw:\n    lr: 0.01\n";

}  // namespace

TEST_CASE("Config: an unknown key names file, line, column and suggests the nearest key") {
  CHECK(error_of(base + "    lrr: 0.1\n") ==
        "run.yaml:6:5: optimizer.adamw.lrr: unknown key (did you mean 'lr'?)");
  CHECK(error_of(base + "trian:\n  steps: 3\n") ==
        "run.yaml:6:1: trian: unknown key (did you mean 'train'?)");
  // A key in the wrong section points to where it belongs.
  CHECK(error_of(base + "steps: 3\n") ==
        "run.yaml:6:1: steps: unknown key (did you mean 'train.steps'?)");
  // Nothing close: no suggestion.
  CHECK(error_of(base + "colour: blue\n") == "run.yaml:6:1: colour: unknown key");
  // A model key of another task is unknown to this one.
  CHECK(error_of(base + "model: {hiden: 3}\n") ==
        "run.yaml:6:9: model.hiden: unknown key (did you mean 'hidden'?)");
}

TEST_CASE("Config: a wrong type names the expected type and the value") {
  CHECK(error_of(base + "train: {steps: many}\n") ==
        "run.yaml:6:16: train.steps: expected an integer, got 'many'");
  CHECK(error_of(base + "train: {steps: 2.5}\n") ==
        "run.yaml:6:16: train.steps: expected an integer, got '2.5'");
  CHECK(error_of("task: spiral\noptimizer: {adamw: {lr: fast}}\n") ==
        "run.yaml:2:25: optimizer.adamw.lr: expected a number, got 'fast'");
  CHECK(error_of("task: spiral\noptimizer: {adamw: {amsgrad: maybe}}\n") ==
        "run.yaml:2:30: optimizer.adamw.amsgrad: expected a boolean (true or false), got 'maybe'");
  CHECK(error_of("task: spiral\ntrain: 5\n") ==
        "run.yaml:2:8: train: expected a section of keys, got '5'");
  CHECK(error_of("task: spiral\noptimizer: {groups: {name: a}}\n") ==
        "run.yaml:2:21: optimizer.groups: expected a list of sections, got a section");
}

TEST_CASE("Config: a bad value names the range or the choices") {
  CHECK(error_of(base + "train: {steps: 0}\n") ==
        "run.yaml:6:16: train.steps: 0 is out of range: must be >= 1");
  CHECK(error_of("task: spiral\noptimizer: {adamw: {beta2: 1}}\n") ==
        "run.yaml:2:28: optimizer.adamw.beta2: 1 is out of range: must be in [0, 1)");
  CHECK(error_of("task: spiral\noptimizer: {name: adamm}\n") ==
        "run.yaml:2:19: optimizer.name: 'adamm' is not one of sgd, adam, adamw, lion, tiger, amos, "
        "muon "
        "(did you mean 'adam'?)");
  std::string tasks;  // the task table's names, in order
  for (const TaskEntry& t : task_table()) tasks += (tasks.empty() ? "" : ", ") + t.name;
  CHECK(error_of("task: spirl\n") ==
        "run.yaml:1:7: task: 'spirl' is not one of " + tasks + " (did you mean 'spiral'?)");
  CHECK(error_of("seed: 1\n") == "run.yaml:1:1: task: missing required key");
  CHECK(error_of("task: spiral\noptimizer: {groups: [{params: '*.bias'}]}\n") ==
        "run.yaml:2:22: optimizer.groups.0.name: missing required key");
  CHECK(error_of("task: [spiral\n").rfind("run.yaml:", 0) == 0);  // YAML syntax error
}

TEST_CASE("Config: --set overrides are typed by the schema and checked like the file") {
  const Config c = Config::parse(base, "run.yaml",
                                 {"optimizer.adamw.lr=3e-4", "train.steps=7", "optimizer.name=lion",
                                  "optimizer.groups=[{name: g, params: [a, b]}]"});
  CHECK(c.get<double>("optimizer.adamw.lr") == 3e-4);
  CHECK(c.get<std::int64_t>("train.steps") == 7);
  CHECK(c.get<std::string>("optimizer.name") == "lion");
  // The selected optimizer's defaults are filled in; a present, unselected one is kept.
  CHECK(c.get<double>("optimizer.lion.lr") == 1e-4);
  CHECK(c.has("optimizer.adamw.lr"));
  CHECK(!c.has("optimizer.sgd"));
  CHECK(c.get<std::vector<std::string>>("optimizer.groups.0.params") ==
        std::vector<std::string>{"a", "b"});
  CHECK(error_of(base, {"optimizer.adamw.lrr=1"}) ==
        "--set optimizer.adamw.lrr=1: optimizer.adamw.lrr: unknown key (did you mean 'lr'?)");
  CHECK(error_of(base, {"train.steps=abc"}) ==
        "--set train.steps=abc: train.steps: expected an integer, got 'abc'");
  CHECK(error_of(base, {"train.steps"}) ==
        "--set train.steps: expected key=value (e.g. optimizer.name=lion)");
  CHECK(error_of(base, {"optimizer.name.x=1"}) ==
        "--set optimizer.name.x=1: cannot set a key under a value that is not a section");
}

TEST_CASE("Config: the resolved config fills every default and loads back to itself") {
  const Config c = Config::parse("task: spiral\n", "run.yaml");
  CHECK(c.get<std::int64_t>("seed") == 0);
  CHECK(c.get<std::int64_t>("train.steps") == 1000);
  CHECK(c.get<std::string>("optimizer.name") == "adamw");
  CHECK(c.get<double>("optimizer.adamw.weight_decay") == 0.01);
  CHECK(c.get<double>("optimizer.adamw.eps") == 1e-8);
  CHECK(c.get<std::int64_t>("model.hidden") == 64);
  CHECK(!c.has("optimizer.clip_grad_norm"));
  const Config again = Config::parse(c.yaml(), "config.yaml");
  CHECK(again.yaml() == c.yaml());
  CHECK(c.yaml().rfind("task: spiral\nmodel:\n", 0) == 0);
}

TEST_CASE("Config: Config::load names the file") {
  test::ScratchDir dir("config_load");
  const auto path = dir.write("bad.yaml", "task: spiral\ntrain:\n  stepz: 4\n");
  CHECK_THROWS_WITH_AS(
      Config::load(path.string()),
      (path.string() + ":3:3: train.stepz: unknown key (did you mean 'steps'?)").c_str(), Error);
  CHECK_THROWS_WITH_AS(Config::load((dir.path / "missing.yaml").string()),
                       doctest::Contains("cannot open"), Error);
}

TEST_CASE("Config: threads is bounded (Note [Thread bound]): 100000 threads crashed libgomp") {
  CHECK(error_of(base + "threads: 100000\n") ==
        "run.yaml:6:10: threads: 100000 is out of range: must be in [0, 1024]");
  CHECK(error_of(base, {"threads=-1"}) ==
        "--set threads=-1: threads: -1 is out of range: must be in [0, 1024]");
  CHECK(Config::parse(base + "threads: 1024\n", "run.yaml").get<std::int64_t>("threads") == 1024);
}

TEST_CASE(
    "Config: non-finite numbers are refused (Note [Finite numbers]), so config.yaml reads back") {
  CHECK(error_of(base, {"optimizer.adamw.lr=.inf"}) ==
        "--set optimizer.adamw.lr=.inf: optimizer.adamw.lr: expected a finite number, got '.inf'");
  CHECK(error_of("task: spiral\noptimizer: {clip_grad_norm: -.inf}\n")
            .find("optimizer.clip_grad_norm: expected a finite number, got '-.inf'") !=
        std::string::npos);
  CHECK(error_of("task: spiral\noptimizer: {adamw: {lr: .nan}}\n") ==
        "run.yaml:2:25: optimizer.adamw.lr: expected a finite number, got '.nan'");
  // Every resolved config reads back: the largest finite double round-trips.
  const Config big =
      Config::parse(base, "run.yaml", {"optimizer.clip_grad_norm=1.7976931348623157e308"});
  CHECK(Config::parse(big.yaml(), "config.yaml").yaml() == big.yaml());
}

TEST_CASE("Config: a duplicate key is an error naming the file, line and key") {
  CHECK(error_of(base + "    lr: 0.02\n") ==
        "run.yaml:6:5: optimizer.adamw.lr: duplicate key (first given at line 5)");
  CHECK(error_of("task: spiral\nseed: 1\ntask: spiral\n") ==
        "run.yaml:3:1: task: duplicate key (first given at line 1)");
  CHECK(error_of("task: spiral\noptimizer: {groups: [{name: a, params: x, name: b}]}\n") ==
        "run.yaml:2:43: optimizer.groups.0.name: duplicate key (first given at line 2)");
}

TEST_CASE("Config: huge list indices are errors or misses, not raw std::stoul exceptions") {
  const std::string groups = "task: spiral\noptimizer: {groups: [{name: a, params: x}]}\n";
  CHECK(error_of(groups, {"optimizer.groups.99999999999999999999999.name=b"})
            .find("is a list of 1 items, no item '99999999999999999999999'") != std::string::npos);
  const Config c = Config::parse(groups, "run.yaml");
  CHECK(!c.has("optimizer.groups.99999999999999999999999.name"));
  CHECK(c.has("optimizer.groups.0.name"));
}
