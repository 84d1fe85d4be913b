// README's "Optimizers" snippets, kept compiling and doing what they say.
#include <doctest/doctest.h>

#include <iostream>

#include "liandan/autograd/autograd.hpp"
#include "liandan/nn/containers.hpp"
#include "liandan/nn/linear.hpp"
#include "liandan/optim/adamw.hpp"
#include "liandan/optim/clip_grad.hpp"
#include "liandan/optim/param_groups.hpp"

using namespace liandan;

TEST_CASE("README optimizers example: AdamW step with gradient clipping") {
  nn::Linear net(4, 2);
  const Tensor before = Tensor(net.weight.data().clone());
  const Tensor loss = sum(net(randn({8, 4})) * 10.0);
  // ---- as in README
  optim::AdamW opt(net.named_parameters(), {.lr = 3e-4, .weight_decay = 0.1});
  opt.zero_grad();
  loss.backward();
  double norm = optim::clip_grad_norm_(net.parameters(), 1.0);  // the norm before clipping
  opt.step();
  // ----
  CHECK(norm > 1.0);
  CHECK(core::amax(core::abs(core::sub(net.weight.data(), before.data()))).item() > 0);
}

namespace {

// The names the README's group example refers to: embed, layers.N, head.
class NamedTower : public nn::Module {
 public:
  NamedTower() {
    register_module("embed", embed);
    for (int i = 0; i < 2; ++i) layers.emplace_back<nn::Linear>(4, 4);
    register_module("layers", layers);
    register_module("head", head);
  }
  nn::Linear embed{4, 4};
  nn::ModuleList layers;
  nn::Linear head{4, 2};
};

}  // namespace

TEST_CASE("README parameter groups example: rules, layer decay and the table") {
  NamedTower model;
  // ---- as in README
  auto groups = optim::GroupBuilder(model.named_parameters())
                    .no_decay_for_bias_and_norm()       // weight_decay 0 for tensors with < 2 dims
                    .layer_decay(0.75)                  // lr x 0.75^(depth_max - depth)
                    .lr_mult("head.*", 10)              // a per-pattern multiplier
                    .set("embed.*", {{"beta2", 0.95}})  // any option of the optimizer
                    .freeze("layers.0.*")               // lr 0
                    .build();
  optim::AdamW opt(groups, {.lr = 1e-4, .weight_decay = 0.05});
  std::cout << optim::format_groups(opt);  // parameter | shape | group | every option's value
  // ----
  for (std::size_t g = 0; g < opt.param_groups().size(); ++g)
    for (const auto& [name, p] : opt.param_groups()[g].params) {
      INFO(name);
      const optim::AdamWOptions& o = opt.options(g);
      if (name.starts_with("head.")) CHECK(o.lr == doctest::Approx(1e-3));
      if (name.starts_with("layers.0.")) CHECK(o.lr == 0);
      if (name.starts_with("layers.1.")) CHECK(o.lr == doctest::Approx(0.75e-4));
      if (name.starts_with("embed.")) CHECK(o.lr == doctest::Approx(1e-4 * 0.75 * 0.75 * 0.75));
      if (name.starts_with("embed.")) CHECK(o.beta2 == 0.95);
      CHECK(o.weight_decay == (p.dim() < 2 ? 0.0 : 0.05));
    }
}
