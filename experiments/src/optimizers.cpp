// The optimizer table (one entry per optimizer class) and the parameter groups of a run.
#include "liandan/experiments/optimizers.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "liandan/optim/adam.hpp"
#include "liandan/optim/adamw.hpp"
#include "liandan/optim/amos.hpp"
#include "liandan/optim/lion.hpp"
#include "liandan/optim/muon.hpp"
#include "liandan/optim/param_groups.hpp"
#include "liandan/optim/sgd.hpp"

namespace liandan::experiments {

const std::vector<OptimizerEntry>& optimizer_table() {
  static const std::vector<OptimizerEntry> table = {
      entry<optim::SGD>("sgd"),   entry<optim::Adam>("adam"),   entry<optim::AdamW>("adamw"),
      entry<optim::Lion>("lion"), entry<optim::Tiger>("tiger"), entry<optim::Amos>("amos"),
      entry<optim::Muon>("muon"),
  };
  return table;
}

std::vector<Key> optimizer_keys() {
  std::vector<std::string> names;
  for (const OptimizerEntry& e : optimizer_table()) names.push_back(e.name);
  std::vector<Key> keys = {
      {.path = "optimizer.name",
       .type = Type::string,
       .fallback = "adamw",
       .help = "the optimizer",
       .choices = names},
      {.path = "optimizer.clip_grad_norm",
       .type = Type::number,
       .fallback = "~",
       .help = "clip the global gradient norm to this (unset: no clipping)",
       .min = 0},
      {.path = "optimizer.layer_decay",
       .type = Type::number,
       .fallback = "1",
       .help = "layer-wise lr decay: lr x decay^(depth_max - depth) (1: off)",
       .min = 0,
       .max = 1},
      {.path = "optimizer.groups",
       .type = Type::list,
       .fallback = "[]",
       .help = "parameter groups (GroupBuilder::group rules: a later one overrides an earlier "
               "one's options); the rest form the group 'default'",
       .items = {{.path = "name", .type = Type::string, .help = "the group's name in metrics"},
                 {.path = "params",
                  .type = Type::strings,
                  .help = "glob patterns over parameter names, e.g. '*.bias'"},
                 number_key("lr_mult", 1, "multiplies the optimizer's lr"),
                 {.path = "weight_decay",
                  .type = Type::number,
                  .fallback = "~",
                  .help = "overrides the optimizer's weight_decay (ignored by Amos)",
                  .min = 0}}},
  };
  for (const OptimizerEntry& e : optimizer_table())
    keys.insert(keys.end(), e.options.begin(), e.options.end());
  return keys;
}

std::string optimizer_options_markdown() {
  std::string out;
  for (const OptimizerEntry& e : optimizer_table())
    out +=
        fmt::format("{}`optim::{}` (`optimizer.name: {}`)\n\n{}", out.empty() ? "" : "\n",
                    e.class_name, e.name, markdown_table(e.options, "optimizer." + e.name + "."));
  return out;
}

OptimizerSetup make_optimizer(const Config& config, const nn::Module& model) {
  const auto name = config.get<std::string>("optimizer.name");
  const OptimizerEntry* entry = nullptr;
  for (const OptimizerEntry& e : optimizer_table())
    if (e.name == name) entry = &e;
  check(entry != nullptr, "optimizer.name: unknown optimizer '{}'", name);
  // An optimizer without a weight_decay option (Amos: its decay is built in) ignores a group's
  // weight_decay, so one config serves a sweep over optimizers.
  const bool has_decay =
      std::any_of(entry->options.begin(), entry->options.end(),
                  [&](const Key& k) { return k.path == "optimizer." + name + ".weight_decay"; });

  optim::GroupBuilder builder(model.named_parameters());
  const std::size_t num_groups = config.at("optimizer.groups").node().size();
  for (std::size_t g = 0; g < num_groups; ++g) {
    const Config spec = config.at(fmt::format("optimizer.groups.{}", g));
    optim::OptionValues options{{"lr_mult", spec.get<double>("lr_mult")}};
    if (spec.has("weight_decay") && has_decay)
      options["weight_decay"] = spec.get<double>("weight_decay");
    builder.group(spec.get<std::string>("name"), spec.get<std::vector<std::string>>("params"),
                  options);
  }
  if (const double decay = config.get<double>("optimizer.layer_decay"); decay < 1)
    builder.layer_decay(decay);

  OptimizerSetup setup;
  setup.optimizer = entry->build(builder.build(), config.at("optimizer." + name));
  if (config.has("optimizer.clip_grad_norm"))
    setup.clip_grad_norm = config.get<double>("optimizer.clip_grad_norm");
  return setup;
}

}  // namespace liandan::experiments
