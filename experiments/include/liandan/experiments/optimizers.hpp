// Optimizers from a run config (schedules: schedules.hpp). The optimizer table has one entry per
// optimizer, made from its class by entry<Optimizer>(name): the schema rows of optimizer.<name>.*
// and the YAML -> options binding both come from the options struct's field table (Note [Field
// tables]), so adding an optimizer is its own header and source in optim plus one line in
// optimizer_table() (experiments/src/optimizers.cpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "liandan/experiments/config.hpp"
#include "liandan/nn/module.hpp"
#include "liandan/optim/optimizer.hpp"

namespace liandan::experiments {

struct OptimizerEntry {
  std::string name;          // the value of optimizer.name
  std::string class_name;    // optim::Optimizer::name(): "AdamW"
  std::vector<Key> options;  // the keys optimizer.<name>.*, variants on optimizer.name
  // Builds the optimizer over groups (their overrides set) with options read from the resolved
  // section optimizer.<name>.
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<optim::ParamGroup>, const Config&)>
      build;
};
const std::vector<OptimizerEntry>& optimizer_table();

// The entry of optimizer class Opt (an optim::OptimizerOf<Options> constructible from groups
// and options) under the name name.
template <typename Opt>
OptimizerEntry entry(const std::string& name) {
  using Options = typename Opt::Options;
  return {
      .name = name,
      .class_name = Opt(std::vector<optim::ParamGroup>{}, Options{}).name(),
      .options = keys_of(fields_of<Options>(), "optimizer." + name + ".", "optimizer.name=" + name),
      .build = [](std::vector<optim::ParamGroup> groups, const Config& section) {
        const Options options = bind(section, fields_of<Options>());
        return std::unique_ptr<optim::Optimizer>(new Opt(std::move(groups), options));
      }};
}

// Every optimizer's options as Markdown tables, README's (`liandan options` prints them).
std::string optimizer_options_markdown();

// The schema rows of optimizer.* (see run_schema).
std::vector<Key> optimizer_keys();

// The optimizer of a run over model's parameters, with its parameter groups: each entry of
// optimizer.groups is one optim::GroupBuilder::group() rule, in order (Note [Group rules]:
// a later entry overrides an earlier one's options for the parameters both match), setting
// lr_mult and weight_decay (which an optimizer without one, Amos, ignores); the parameters no
// entry matches form the group "default". optimizer.layer_decay < 1 adds
// GroupBuilder::layer_decay (groups "<name>.depth<d>", lr x decay^(depth_max - d)).
struct OptimizerSetup {
  std::unique_ptr<optim::Optimizer> optimizer;
  double clip_grad_norm = 0;  // 0: no clipping
};
OptimizerSetup make_optimizer(const Config& config, const nn::Module& model);

}  // namespace liandan::experiments
