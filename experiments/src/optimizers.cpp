// The optimizer and schedule tables, and the parameter groups of a run.
#include "liandan/experiments/optimizers.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "liandan/optim/adam.hpp"
#include "liandan/optim/adamw.hpp"
#include "liandan/optim/amos.hpp"
#include "liandan/optim/lion.hpp"
#include "liandan/optim/muon.hpp"
#include "liandan/optim/param_groups.hpp"
#include "liandan/optim/sgd.hpp"

namespace liandan::experiments {
namespace {

Key beta(std::string path, double fallback) {
  return number_key(std::move(path), fallback, "momentum coefficient", 0, 1, true);
}

}  // namespace

const std::vector<OptimizerEntry>& optimizer_table() {
  static const std::vector<OptimizerEntry> table = [] {
    const optim::SGDOptions sgd;
    const optim::AdamOptions adam;
    const optim::AdamWOptions adamw;
    const optim::LionOptions lion;
    const optim::TigerOptions tiger;
    const optim::AmosOptions amos;
    const optim::MuonOptions muon;
    return std::vector<OptimizerEntry>{
        {"sgd",
         {number_key("lr", sgd.lr, "learning rate"),
          number_key("momentum", sgd.momentum, "momentum"),
          number_key("dampening", sgd.dampening, "dampening"),
          number_key("weight_decay", sgd.weight_decay, "L2 weight decay"),
          flag_key("nesterov", sgd.nesterov, "Nesterov momentum")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::SGD>(
               std::move(groups), optim::SGDOptions{.lr = o.get<double>("lr"),
                                                    .momentum = o.get<double>("momentum"),
                                                    .dampening = o.get<double>("dampening"),
                                                    .weight_decay = o.get<double>("weight_decay"),
                                                    .nesterov = o.get<bool>("nesterov")});
         }},
        {"adam",
         {number_key("lr", adam.lr, "learning rate"), beta("beta1", adam.beta1),
          beta("beta2", adam.beta2), number_key("eps", adam.eps, "denominator epsilon"),
          number_key("weight_decay", adam.weight_decay, "L2 weight decay"),
          flag_key("amsgrad", adam.amsgrad, "AMSGrad")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::Adam>(
               std::move(groups), optim::AdamOptions{.lr = o.get<double>("lr"),
                                                     .beta1 = o.get<double>("beta1"),
                                                     .beta2 = o.get<double>("beta2"),
                                                     .eps = o.get<double>("eps"),
                                                     .weight_decay = o.get<double>("weight_decay"),
                                                     .amsgrad = o.get<bool>("amsgrad")});
         }},
        {"adamw",
         {number_key("lr", adamw.lr, "learning rate"), beta("beta1", adamw.beta1),
          beta("beta2", adamw.beta2), number_key("eps", adamw.eps, "denominator epsilon"),
          number_key("weight_decay", adamw.weight_decay, "decoupled weight decay"),
          flag_key("amsgrad", adamw.amsgrad, "AMSGrad")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::AdamW>(
               std::move(groups), optim::AdamWOptions{.lr = o.get<double>("lr"),
                                                      .beta1 = o.get<double>("beta1"),
                                                      .beta2 = o.get<double>("beta2"),
                                                      .eps = o.get<double>("eps"),
                                                      .weight_decay = o.get<double>("weight_decay"),
                                                      .amsgrad = o.get<bool>("amsgrad")});
         }},
        {"lion",
         {number_key("lr", lion.lr, "learning rate"), beta("beta1", lion.beta1),
          beta("beta2", lion.beta2),
          number_key("weight_decay", lion.weight_decay, "decoupled weight decay")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::Lion>(
               std::move(groups),
               optim::LionOptions{.lr = o.get<double>("lr"),
                                  .beta1 = o.get<double>("beta1"),
                                  .beta2 = o.get<double>("beta2"),
                                  .weight_decay = o.get<double>("weight_decay")});
         }},
        {"tiger",
         {number_key("lr", tiger.lr, "learning rate"), beta("beta", tiger.beta),
          number_key("weight_decay", tiger.weight_decay, "decoupled weight decay")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::Tiger>(
               std::move(groups),
               optim::TigerOptions{.lr = o.get<double>("lr"),
                                   .beta = o.get<double>("beta"),
                                   .weight_decay = o.get<double>("weight_decay")});
         }},
        {"amos",
         {number_key("lr", amos.lr, "xi, the global learning rate (~1/sqrt(batches in the data))"),
          beta("beta", amos.beta),
          number_key("momentum", amos.momentum, "EMA of the update (0: none)", 0, 1, true),
          number_key("clip_value", amos.clip_value, "elementwise gradient clip (0: none)"),
          number_key("extra_l2", amos.extra_l2, "extra L2 decay"),
          number_key("d_coef", amos.d_coef, "lr decay coefficient"),
          number_key("c_coef", amos.c_coef, "weight decay decay coefficient")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::Amos>(
               std::move(groups), optim::AmosOptions{.lr = o.get<double>("lr"),
                                                     .beta = o.get<double>("beta"),
                                                     .momentum = o.get<double>("momentum"),
                                                     .clip_value = o.get<double>("clip_value"),
                                                     .extra_l2 = o.get<double>("extra_l2"),
                                                     .d_coef = o.get<double>("d_coef"),
                                                     .c_coef = o.get<double>("c_coef")});
         }},
        {"muon",
         {number_key("lr", muon.lr, "learning rate (Muon and its AdamW part)"),
          beta("momentum", muon.momentum),
          number_key("weight_decay", muon.weight_decay, "decoupled weight decay"),
          beta("beta1", muon.beta1),
          beta("beta2", muon.beta2),
          number_key("eps", muon.eps, "AdamW part's epsilon"),
          flag_key("nesterov", muon.nesterov, "Nesterov momentum"),
          {.path = "scale",
           .type = Type::string,
           .fallback = "moonshot",
           .help = "update scale: moonshot 0.2 sqrt(max(r, c)) or jordan sqrt(max(1, r/c))",
           .choices = {"moonshot", "jordan"}}},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::Muon>(
               std::move(groups),
               optim::MuonOptions{.lr = o.get<double>("lr"),
                                  .momentum = o.get<double>("momentum"),
                                  .weight_decay = o.get<double>("weight_decay"),
                                  .beta1 = o.get<double>("beta1"),
                                  .beta2 = o.get<double>("beta2"),
                                  .eps = o.get<double>("eps"),
                                  .nesterov = o.get<bool>("nesterov"),
                                  .scale = o.get<std::string>("scale") == "jordan"
                                               ? optim::MuonScale::jordan
                                               : optim::MuonScale::moonshot});
         }},
    };
  }();
  return table;
}

const std::vector<ScheduleEntry>& schedule_table() {
  using optim::Schedule;
  static const std::vector<ScheduleEntry> table = {
      {"constant", {}, [](const Config&, std::int64_t) { return optim::constant(); }},
      {"warmup_cosine",
       {integer_key("warmup_steps", 0, "linear warmup steps", 0),
        number_key("min_ratio", 0, "final lr / peak lr", 0, 1)},
       [](const Config& o, std::int64_t total) {
         const auto warmup = o.get<std::int64_t>("warmup_steps");
         check(warmup < total, "{}.warmup_steps: {} must be less than train.steps {}", o.prefix(),
               warmup, total);
         return optim::warmup_cosine(warmup, total, o.get<double>("min_ratio"));
       }},
      {"linear",
       {integer_key("warmup_steps", 0, "linear warmup steps", 0),
        number_key("end_ratio", 0, "final lr / peak lr", 0, 1)},
       [](const Config& o, std::int64_t total) {
         const auto warmup = o.get<std::int64_t>("warmup_steps");
         check(warmup < total, "{}.warmup_steps: {} must be less than train.steps {}", o.prefix(),
               warmup, total);
         const Schedule decay = optim::linear_decay(total - warmup, o.get<double>("end_ratio"));
         return warmup == 0 ? decay : optim::then(optim::linear_warmup(warmup), warmup, decay);
       }},
      {"inverse_sqrt",
       {integer_key("warmup_steps", 100, "steps to the peak", 1)},
       [](const Config& o, std::int64_t) {
         return optim::inverse_sqrt(o.get<std::int64_t>("warmup_steps"));
       }},
      {"step",
       {integer_key("step_size", 100, "steps between decays", 1),
        number_key("gamma", 0.1, "decay factor")},
       [](const Config& o, std::int64_t) {
         return optim::step_decay(o.get<std::int64_t>("step_size"), o.get<double>("gamma"));
       }},
      {"wsd",
       {integer_key("warmup_steps", 0, "linear warmup steps", 0),
        number_key("decay_fraction", 0.2, "fraction of train.steps spent decaying", 0, 1),
        number_key("end_ratio", 0, "final lr / peak lr", 0, 1)},
       [](const Config& o, std::int64_t total) {
         const auto warmup = o.get<std::int64_t>("warmup_steps");
         const auto decay = static_cast<std::int64_t>(o.get<double>("decay_fraction") * total);
         check(warmup + decay <= total,
               "{}: warmup_steps {} + decay steps {} exceed train.steps {}", o.prefix(), warmup,
               decay, total);
         return optim::wsd(warmup, total - warmup - decay, decay, o.get<double>("end_ratio"));
       }},
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
       .help = "parameter groups, first match wins; the rest form the group 'default'",
       .items = {{.path = "name", .type = Type::string, .help = "the group's name in metrics"},
                 {.path = "params",
                  .type = Type::strings,
                  .help = "glob patterns over parameter names, e.g. '*.bias'"},
                 number_key("lr_scale", 1, "multiplies the optimizer's lr"),
                 {.path = "weight_decay",
                  .type = Type::number,
                  .fallback = "~",
                  .help = "overrides the optimizer's weight_decay (ignored by Amos)",
                  .min = 0}}},
  };
  for (const OptimizerEntry& e : optimizer_table())
    for (Key key : e.options) {
      key.path = "optimizer." + e.name + "." + key.path;
      key.when = "optimizer.name=" + e.name;
      keys.push_back(std::move(key));
    }
  return keys;
}

std::vector<Key> schedule_keys() {
  std::vector<std::string> names;
  for (const ScheduleEntry& e : schedule_table()) names.push_back(e.name);
  std::vector<Key> keys = {{.path = "schedule.name",
                            .type = Type::string,
                            .fallback = "constant",
                            .help = "the lr schedule (a multiplier of each group's lr)",
                            .choices = names}};
  for (const ScheduleEntry& e : schedule_table())
    for (Key key : e.options) {
      key.path = "schedule." + e.name + "." + key.path;
      key.when = "schedule.name=" + e.name;
      keys.push_back(std::move(key));
    }
  return keys;
}

OptimizerSetup make_optimizer(const Config& config, const nn::Module& model) {
  const auto name = config.get<std::string>("optimizer.name");
  const OptimizerEntry* entry = nullptr;
  for (const OptimizerEntry& e : optimizer_table())
    if (e.name == name) entry = &e;
  check(entry != nullptr, "optimizer.name: unknown optimizer '{}'", name);
  const Config options = config.at("optimizer." + name);

  OptimizerSetup setup;
  std::vector<optim::ParamGroup> groups;
  const NamedParameters all = model.named_parameters();
  NamedParameters rest = all;
  const std::size_t num_groups = config.at("optimizer.groups").node().size();
  for (std::size_t g = 0; g < num_groups; ++g) {
    const Config spec = config.at(fmt::format("optimizer.groups.{}", g));
    optim::ParamGroup group;
    NamedParameters unmatched;
    const auto patterns = spec.get<std::vector<std::string>>("params");
    for (auto& [pname, p] : rest) {
      bool match = false;
      for (const std::string& pattern : patterns)
        match = match || ::fnmatch(pattern.c_str(), pname.c_str(), 0) == 0;
      (match ? group.params : unmatched).add(pname, p);
    }
    const auto gname = spec.get<std::string>("name");
    check(!group.params.empty(), "optimizer.groups.{} ({}): no parameter left matches {}", g, gname,
          fmt::join(patterns, ", "));
    rest = std::move(unmatched);
    group.options["lr_mult"] = spec.get<double>("lr_scale");
    // An optimizer without a weight_decay option (Amos: its decay is built in) ignores a
    // group's weight_decay, so one config serves a sweep over optimizers.
    const bool has_decay = std::any_of(entry->options.begin(), entry->options.end(),
                                       [](const Key& k) { return k.path == "weight_decay"; });
    if (spec.has("weight_decay") && has_decay)
      group.options["weight_decay"] = spec.get<double>("weight_decay");
    groups.push_back(std::move(group));
    setup.group_names.push_back(gname);
  }
  if (!rest.empty()) {
    groups.push_back({std::move(rest), {}});
    setup.group_names.push_back("default");
  }
  // Layer-wise decay splits each group by depth (optim::layer_depths over the whole model).
  if (const double decay = config.get<double>("optimizer.layer_decay"); decay < 1) {
    const std::vector<int> depths = optim::layer_depths(all);
    std::map<std::string, int> depth_of;
    for (std::size_t i = 0; i < all.size(); ++i) depth_of[all.items()[i].first] = depths[i];
    const int max_depth = *std::max_element(depths.begin(), depths.end());
    std::vector<optim::ParamGroup> split;
    std::vector<std::string> names;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      std::map<int, optim::ParamGroup> by_depth;
      for (const auto& entry : groups[g].params) {
        optim::ParamGroup& part = by_depth[depth_of.at(entry.first)];
        if (part.params.empty()) part.options = groups[g].options;
        part.params.add(entry.first, entry.second);
      }
      for (auto& [depth, part] : by_depth) {
        const auto it = part.options.find("lr_mult");
        const double mult = it == part.options.end() ? 1.0 : std::get<double>(it->second);
        part.options["lr_mult"] = mult * std::pow(decay, max_depth - depth);
        split.push_back(std::move(part));
        names.push_back(fmt::format("{}.depth{}", setup.group_names[g], depth));
      }
    }
    groups = std::move(split);
    setup.group_names = std::move(names);
  }
  setup.optimizer = entry->build(std::move(groups), options);
  if (config.has("optimizer.clip_grad_norm"))
    setup.clip_grad_norm = config.get<double>("optimizer.clip_grad_norm");
  return setup;
}

optim::Schedule make_schedule(const Config& config) {
  const auto name = config.get<std::string>("schedule.name");
  for (const ScheduleEntry& e : schedule_table())
    if (e.name == name) {
      const Config options = e.options.empty() ? config : config.at("schedule." + name);
      return e.build(options, config.get<std::int64_t>("train.steps"));
    }
  throw Error(fmt::format("schedule.name: unknown schedule '{}'", name));
}

}  // namespace liandan::experiments
