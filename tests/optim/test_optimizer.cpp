// optim::Optimizer: parameter groups, zero_grad, skipping parameters without a gradient, the
// state_dict round trip through an HDF5 checkpoint, and the options / state errors.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "liandan/nn/checkpoint.hpp"
#include "liandan/optim/muon.hpp"
#include "optim/optim_problems.hpp"
#include "support/named_tensors.hpp"

using namespace liandan;

namespace {

// The MLP's parameters, split into the first layer's and the last layer's.
std::pair<NamedParameters, NamedParameters> split_layers(const NamedParameters& params) {
  NamedParameters first, last;
  for (const auto& [name, p] : params) (name.starts_with("0.") ? first : last).add(name, p);
  return {first, last};
}

}  // namespace

TEST_CASE("Optimizer param_groups: a group with lr 0 does not move, the other moves as alone") {
  const test::Fixture f("optim");
  for (const std::string c : {"mlp_sgd_nesterov", "mlp_adam_amsgrad", "mlp_adamw_default"}) {
    INFO("case " << c);
    test::Mlp grouped(f), alone(f);
    const auto [first, last] = split_layers(grouped.params());
    const std::vector<double> first_before = test::flat(first);
    auto opt = test::make_optimizer(f, c, {{first, {{"lr", 0.0}}}, {last, {}}});
    CHECK(opt->lr(0) == 0);
    CHECK(opt->lr(1) == f.attr(c, "lr"));
    // The reference: only the last layer is optimized, with the first one frozen in place.
    auto opt_alone =
        test::make_optimizer(f, c, optim::single_group(split_layers(alone.params()).second));
    for (int s = 0; s < 5; ++s) {
      grouped.compute_grads();
      opt->step();
      alone.compute_grads();
      opt_alone->step();
    }
    CHECK(test::flat(first) == first_before);
    CHECK(test::flat(last) != test::flat(split_layers(test::Mlp(f).params()).second));
    CHECK(test::flat(last) == test::flat(split_layers(alone.params()).second));
  }
}

TEST_CASE("Optimizer step: parameters without a gradient are skipped and get no state") {
  const Tensor a = ones({3}, {.dtype = DType::f64, .requires_grad = true});
  const Tensor b = ones({2}, {.dtype = DType::f64, .requires_grad = true});
  optim::Adam opt(NamedParameters{{"a", a}, {"b", b}}, {.lr = 0.1});
  a.set_grad(tensor<double>({1.0, -1.0, 2.0}, {3}));
  opt.step();
  const std::vector<double> moved = a.to_vector<double>();  // step 1: ~a - lr * sign(g)
  CHECK(moved[0] == doctest::Approx(0.9).epsilon(1e-8));
  CHECK(moved[1] == doctest::Approx(1.1).epsilon(1e-8));
  CHECK(moved[2] == doctest::Approx(0.9).epsilon(1e-8));
  CHECK(b.to_vector<double>() == std::vector<double>{1.0, 1.0});
  std::vector<std::string> keys;
  for (const auto& [key, value] : opt.state_dict()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"state.a.step", "state.a.exp_avg", "state.a.exp_avg_sq",
                                         "param_groups.0.lr", "param_groups.0.beta1",
                                         "param_groups.0.beta2", "param_groups.0.eps",
                                         "param_groups.0.weight_decay", "param_groups.0.amsgrad",
                                         "param_groups.0.lr_mult", "param_groups.0.initial_lr"});
}

TEST_CASE(
    "Optimizer load_state_dict: option encodings, and state_dicts from before flags and "
    "choices were per group") {
  const Tensor w = ones({4, 4}, {.requires_grad = true});
  optim::Muon opt(NamedParameters{{"w", w}},
                  {.nesterov = false, .scale = optim::MuonScale::jordan});
  core::NamedTensors state = opt.state_dict();
  const auto value = [&](const std::string& key) { return state[key]; };
  CHECK(value("param_groups.0.scale").item() == 1);  // the index of jordan
  CHECK(value("param_groups.0.nesterov").item() == 0);
  CHECK(value("param_groups.0.ns_steps").item() == 5);
  CHECK(value("param_groups.0.ns_steps").dtype() == DType::f64);

  optim::Muon other(NamedParameters{{"w", w}});
  other.load_state_dict(state);
  CHECK(other.options(0).scale == optim::MuonScale::jordan);
  CHECK(!other.options(0).nesterov);
  // Written before: no nesterov, ns_steps, scale keys. The group keeps its own values.
  for (const char* key : {"nesterov", "ns_steps", "scale"})
    state = test::replaced(state, std::string("param_groups.0.") + key);
  optim::Muon old(NamedParameters{{"w", w}}, {.ns_steps = 3});
  old.load_state_dict(state);
  CHECK(old.options(0).ns_steps == 3);
  CHECK(old.options(0).scale == optim::MuonScale::moonshot);
  // A number was always saved: its key stays required.
  state = test::replaced(state, "param_groups.0.eps");
  CHECK_THROWS_WITH_AS(old.load_state_dict(state),
                       "Muon.load_state_dict: missing key param_groups.0.eps", Error);
}

TEST_CASE("Optimizer zero_grad: set_to_none drops the gradients, otherwise zeroes them") {
  const Tensor a = ones({2}, {.requires_grad = true});
  optim::SGD opt(NamedParameters{{"a", a}});
  a.set_grad(ones({2}));
  opt.zero_grad(false);
  REQUIRE(a.grad().defined());
  CHECK(a.grad().to_vector<float>() == std::vector<float>{0.f, 0.f});
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE(
    "Optimizer state_dict load_state_dict: a run saved and restored mid-way through an "
    "HDF5 checkpoint continues bit-identically") {
  const test::Fixture f("optim");
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("liandan_optim_" + std::to_string(getpid()) + ".h5"))
                               .string();
  for (const std::string c : {"mlp_sgd_nesterov", "mlp_sgd_dampening", "mlp_adam_amsgrad",
                              "mlp_adam_wd", "mlp_adamw_wd"}) {
    INFO("case " << c);
    test::Mlp straight(f);
    auto opt = test::make_optimizer(f, c, optim::single_group(straight.params()));
    const core::Tensor expected = test::run(straight, *opt, 12);

    test::Mlp first_half(f);
    auto opt1 = test::make_optimizer(f, c, optim::single_group(first_half.params()));
    test::run(first_half, *opt1, 7);
    core::NamedTensors saved;
    for (const auto& [name, p] : first_half.params()) saved.add(name, p.data());
    for (const auto& [key, value] : opt1->state_dict()) saved.add(key, value);
    nn::save(path, saved);

    const nn::Checkpoint loaded = nn::load(path);
    test::Mlp second_half(f);  // from the initial weights: everything comes from the file
    core::NamedTensors opt_state;
    for (const auto& [key, value] : loaded.tensors) {
      if (key.starts_with("state.") || key.starts_with("param_groups.")) {
        opt_state.add(key, value);
        continue;
      }
      second_half.params()[key].data().copy_(value);
    }
    auto opt2 = test::make_optimizer(f, c, optim::single_group(second_half.params()));
    opt2->load_state_dict(opt_state);
    const core::Tensor rest = test::run(second_half, *opt2, 5);
    CHECK(rest.to_vector<double>() == expected.narrow(0, 7, 5).to_vector<double>());
  }
  std::filesystem::remove(path);
}

TEST_CASE("Optimizer load_state_dict: unexpected or missing keys and wrong shapes are errors") {
  const Tensor a = ones({3}, {.dtype = DType::f64, .requires_grad = true});
  optim::Adam opt(NamedParameters{{"a", a}});
  a.set_grad(ones({3}, {.dtype = DType::f64}));
  opt.step();
  const core::NamedTensors state = opt.state_dict();
  const core::Tensor f64x3 = core::Tensor::zeros({3}, DType::f64);

  CHECK_THROWS_WITH_AS(opt.load_state_dict(test::appended(state, "state.b.exp_avg", f64x3)),
                       doctest::Contains("unexpected key state.b.exp_avg"), Error);
  CHECK_THROWS_WITH_AS(opt.load_state_dict(test::replaced(state, "param_groups.0.weight_decay")),
                       doctest::Contains("missing key param_groups.0.weight_decay"), Error);
  CHECK_THROWS_WITH_AS(opt.load_state_dict(test::replaced(state, "state.a.exp_avg")),
                       doctest::Contains("missing field exp_avg"), Error);
  const core::Tensor f64x4 = core::Tensor::zeros({4}, DType::f64);
  CHECK_THROWS_WITH_AS(opt.load_state_dict(test::replaced(state, "state.a.exp_avg", f64x4)),
                       doctest::Contains("exp_avg is [4] f64, expected [3] f64"), Error);
}

TEST_CASE("SGD Adam AdamW constructor: invalid options are errors naming the option and value") {
  const NamedParameters p{{"w", ones({2}, {.requires_grad = true})}};
  CHECK_THROWS_WITH_AS(optim::SGD(p, {.lr = -0.1}), "SGD: lr = -0.1: out of range: must be >= 0",
                       Error);
  CHECK_THROWS_WITH_AS(optim::SGD(p, {.momentum = -1}),
                       "SGD: momentum = -1: out of range: must be >= 0", Error);
  CHECK_THROWS_WITH_AS(optim::SGD(p, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                       "SGD param group 0: nesterov needs momentum > 0 and dampening 0 (momentum "
                       "0.9, dampening 0.1)",
                       Error);
  CHECK_THROWS_WITH_AS(optim::SGD(p, {.nesterov = true}),
                       "SGD param group 0: nesterov needs momentum > 0 and dampening 0 (momentum "
                       "0, dampening 0)",
                       Error);
  CHECK_THROWS_WITH_AS(optim::Adam(p, {.beta1 = 1.0}),
                       "Adam: beta1 = 1: out of range: must be in [0, 1)", Error);
  CHECK_THROWS_WITH_AS(optim::Adam(p, {.beta2 = -0.5}),
                       "Adam: beta2 = -0.5: out of range: must be in [0, 1)", Error);
  CHECK_THROWS_WITH_AS(optim::Adam(p, {.eps = -1e-8}),
                       "Adam: eps = -1e-08: out of range: must be >= 0", Error);
  CHECK_THROWS_WITH_AS(optim::AdamW(p, {.weight_decay = -0.01}),
                       "AdamW: weight_decay = -0.01: out of range: must be >= 0", Error);
  CHECK_THROWS_WITH_AS(optim::Adam(std::vector<optim::ParamGroup>{{.params = p}, {.params = p}}),
                       "Adam: parameter name 'w' is empty or appears twice", Error);
  CHECK(optim::AdamW(p).defaults().weight_decay == 0.01);
  CHECK(optim::Adam(p).defaults().weight_decay == 0);
}

TEST_CASE("OptimizerOf: a group's overrides are checked by name, with the group and the value") {
  const NamedParameters p{{"w", ones({2}, {.requires_grad = true})}};
  const auto groups = [&](const optim::OptionValues& overrides) {
    return std::vector<optim::ParamGroup>{{.params = {}}, {.params = p, .options = overrides}};
  };
  CHECK_THROWS_WITH_AS(optim::Adam(groups({{"lr", -2.0}})),
                       "Adam param group 1: lr = -2: out of range: must be >= 0", Error);
  CHECK_THROWS_WITH_AS(optim::Adam(groups({{"weight_decy", 0}})),
                       "Adam param group 1: unknown option 'weight_decy' (did you mean "
                       "'weight_decay'?) (known: lr, beta1, beta2, eps, weight_decay, amsgrad, "
                       "lr_mult)",
                       Error);
  CHECK_THROWS_WITH_AS(optim::Adam(groups({{"amsgrad", 1.0}})),
                       "Adam param group 1: amsgrad = 1: expected true or false", Error);
  CHECK_THROWS_WITH_AS(optim::Adam(groups({{"lr_mult", -1}})),
                       "Adam param group 1: lr_mult = -1: out of range: must be >= 0", Error);
  // Resolved once: the defaults, the overrides (an integer is a number), lr times lr_mult.
  const optim::Adam opt(groups({{"lr", 1}, {"lr_mult", 0.5}, {"amsgrad", true}}),
                        {.lr = 0.1, .beta1 = 0.8});
  CHECK(opt.options(0).lr == 0.1);
  CHECK(!opt.options(0).amsgrad);
  CHECK(opt.options(1).lr == 0.5);
  CHECK(opt.initial_lr(1) == 0.5);
  CHECK(opt.options(1).beta1 == 0.8);
  CHECK(opt.options(1).amsgrad);
}
