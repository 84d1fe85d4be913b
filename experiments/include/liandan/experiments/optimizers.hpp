// Optimizers and lr schedules from a run config: one table row per optimizer and per schedule,
// holding its options (schema keys, defaults from the optim option structs) and its builder.
// Adding an optimizer is adding a row to optimizer_table() in optimizers.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "liandan/experiments/config.hpp"
#include "liandan/nn/module.hpp"
#include "liandan/optim/optimizer.hpp"
#include "liandan/optim/schedule.hpp"

namespace liandan::experiments {

struct OptimizerEntry {
  std::string name;          // the value of optimizer.name
  std::vector<Key> options;  // keys of the section optimizer.<name>; every row has "lr"
  // Builds the optimizer over groups whose lr / weight_decay are already set where the config
  // overrides them; options is the resolved optimizer.<name> section.
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<optim::ParamGroup>, const Config&)>
      build;
};
const std::vector<OptimizerEntry>& optimizer_table();

struct ScheduleEntry {
  std::string name;          // the value of schedule.name
  std::vector<Key> options;  // keys of the section schedule.<name>
  // The multiplier of the base lr; total_steps is train.steps.
  std::function<optim::Schedule(const Config& options, std::int64_t total_steps)> build;
};
const std::vector<ScheduleEntry>& schedule_table();

// The schema rows of optimizer.* and schedule.* (see run_schema).
std::vector<Key> optimizer_keys();
std::vector<Key> schedule_keys();

// The optimizer of a run over model's parameters, with its parameter groups: each entry of
// optimizer.groups takes the parameters whose names match one of its glob patterns (fnmatch,
// e.g. "*.bias") and were not taken by an earlier entry, with lr = lr_scale * the optimizer's
// lr and its own weight_decay if set; the rest form the last group, "default". With
// optimizer.layer_decay < 1 each group is split by layer depth (optim::layer_depths), named
// "<group>.depth<d>", with lr x decay^(depth_max - d). The schedule multiplies each group's
// initial lr (optim::apply_schedule).
struct OptimizerSetup {
  std::unique_ptr<optim::Optimizer> optimizer;
  std::vector<std::string> group_names;  // one per param_groups() entry
  double clip_grad_norm = 0;             // 0: no clipping
};
OptimizerSetup make_optimizer(const Config& config, const nn::Module& model);

optim::Schedule make_schedule(const Config& config);

}  // namespace liandan::experiments
