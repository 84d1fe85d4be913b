// The optimizer and schedule tables, and the parameter groups of a run.
#include "liandan/experiments/optimizers.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include "liandan/optim/adam.hpp"
#include "liandan/optim/adamw.hpp"
#include "liandan/optim/lion.hpp"
#include "liandan/optim/sgd.hpp"

namespace liandan::experiments {
namespace {

std::string text(double v) { return fmt::format("{}", v); }
std::string text(bool v) { return v ? "true" : "false"; }

Key real(std::string path, double fallback, std::string help, double min = 0,
         std::optional<double> max = {}, bool open_max = false) {
  return {.path = std::move(path),
          .type = Type::number,
          .fallback = text(fallback),
          .help = std::move(help),
          .min = min,
          .max = max,
          .open_max = open_max};
}
Key beta(std::string path, double fallback) {
  return real(std::move(path), fallback, "momentum coefficient", 0, 1, true);
}
Key flag(std::string path, bool fallback, std::string help) {
  return {.path = std::move(path),
          .type = Type::boolean,
          .fallback = text(fallback),
          .help = std::move(help)};
}
Key whole(std::string path, std::int64_t fallback, std::string help, double min = 0) {
  return {.path = std::move(path),
          .type = Type::integer,
          .fallback = std::to_string(fallback),
          .help = std::move(help),
          .min = min};
}

}  // namespace

const std::vector<OptimizerEntry>& optimizer_table() {
  static const std::vector<OptimizerEntry> table = [] {
    const optim::SGDOptions sgd;
    const optim::AdamOptions adam;
    const optim::AdamWOptions adamw;
    const optim::LionOptions lion;
    const optim::TigerOptions tiger;
    return std::vector<OptimizerEntry>{
        {"sgd",
         {real("lr", sgd.lr, "learning rate"), real("momentum", sgd.momentum, "momentum"),
          real("dampening", sgd.dampening, "dampening"),
          real("weight_decay", sgd.weight_decay, "L2 weight decay"),
          flag("nesterov", sgd.nesterov, "Nesterov momentum")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::SGD>(
               std::move(groups), optim::SGDOptions{.lr = o.get<double>("lr"),
                                                    .momentum = o.get<double>("momentum"),
                                                    .dampening = o.get<double>("dampening"),
                                                    .weight_decay = o.get<double>("weight_decay"),
                                                    .nesterov = o.get<bool>("nesterov")});
         }},
        {"adam",
         {real("lr", adam.lr, "learning rate"), beta("beta1", adam.beta1),
          beta("beta2", adam.beta2), real("eps", adam.eps, "denominator epsilon"),
          real("weight_decay", adam.weight_decay, "L2 weight decay"),
          flag("amsgrad", adam.amsgrad, "AMSGrad")},
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
         {real("lr", adamw.lr, "learning rate"), beta("beta1", adamw.beta1),
          beta("beta2", adamw.beta2), real("eps", adamw.eps, "denominator epsilon"),
          real("weight_decay", adamw.weight_decay, "decoupled weight decay"),
          flag("amsgrad", adamw.amsgrad, "AMSGrad")},
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
         {real("lr", lion.lr, "learning rate"), beta("beta1", lion.beta1),
          beta("beta2", lion.beta2),
          real("weight_decay", lion.weight_decay, "decoupled weight decay")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::Lion>(
               std::move(groups),
               optim::LionOptions{.lr = o.get<double>("lr"),
                                  .beta1 = o.get<double>("beta1"),
                                  .beta2 = o.get<double>("beta2"),
                                  .weight_decay = o.get<double>("weight_decay")});
         }},
        {"tiger",
         {real("lr", tiger.lr, "learning rate"), beta("beta", tiger.beta),
          real("weight_decay", tiger.weight_decay, "decoupled weight decay")},
         [](std::vector<optim::ParamGroup> groups, const Config& o) {
           return std::make_unique<optim::Tiger>(
               std::move(groups),
               optim::TigerOptions{.lr = o.get<double>("lr"),
                                   .beta = o.get<double>("beta"),
                                   .weight_decay = o.get<double>("weight_decay")});
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
       {whole("warmup_steps", 0, "linear warmup steps"),
        real("min_ratio", 0, "final lr / peak lr", 0, 1)},
       [](const Config& o, std::int64_t total) {
         const auto warmup = o.get<std::int64_t>("warmup_steps");
         check(warmup < total, "{}.warmup_steps: {} must be less than train.steps {}", o.prefix(),
               warmup, total);
         return optim::warmup_cosine(warmup, total, o.get<double>("min_ratio"));
       }},
      {"linear",
       {whole("warmup_steps", 0, "linear warmup steps"),
        real("end_ratio", 0, "final lr / peak lr", 0, 1)},
       [](const Config& o, std::int64_t total) {
         const auto warmup = o.get<std::int64_t>("warmup_steps");
         check(warmup < total, "{}.warmup_steps: {} must be less than train.steps {}", o.prefix(),
               warmup, total);
         const Schedule decay = optim::linear_decay(total - warmup, o.get<double>("end_ratio"));
         return warmup == 0 ? decay : optim::then(optim::linear_warmup(warmup), warmup, decay);
       }},
      {"inverse_sqrt",
       {whole("warmup_steps", 100, "steps to the peak", 1)},
       [](const Config& o, std::int64_t) {
         return optim::inverse_sqrt(o.get<std::int64_t>("warmup_steps"));
       }},
      {"step",
       {whole("step_size", 100, "steps between decays", 1), real("gamma", 0.1, "decay factor")},
       [](const Config& o, std::int64_t) {
         return optim::step_decay(o.get<std::int64_t>("step_size"), o.get<double>("gamma"));
       }},
      {"wsd",
       {whole("warmup_steps", 0, "linear warmup steps"),
        real("decay_fraction", 0.2, "fraction of train.steps spent decaying", 0, 1),
        real("end_ratio", 0, "final lr / peak lr", 0, 1)},
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
      {.path = "optimizer.groups",
       .type = Type::list,
       .fallback = "[]",
       .help = "parameter groups, first match wins; the rest form the group 'default'",
       .items = {{.path = "name", .type = Type::string, .help = "the group's name in metrics"},
                 {.path = "params",
                  .type = Type::strings,
                  .help = "glob patterns over parameter names, e.g. '*.bias'"},
                 real("lr_scale", 1, "multiplies the optimizer's lr"),
                 {.path = "weight_decay",
                  .type = Type::number,
                  .fallback = "~",
                  .help = "overrides the optimizer's weight_decay",
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
  const double lr = options.get<double>("lr");

  OptimizerSetup setup;
  std::vector<optim::ParamGroup> groups;
  nn::NamedTensors rest = model.named_parameters();
  const std::size_t num_groups = config.at("optimizer.groups").node().size();
  for (std::size_t g = 0; g < num_groups; ++g) {
    const Config spec = config.at(fmt::format("optimizer.groups.{}", g));
    optim::ParamGroup group;
    nn::NamedTensors unmatched;
    const auto patterns = spec.get<std::vector<std::string>>("params");
    for (auto& [pname, p] : rest) {
      bool match = false;
      for (const std::string& pattern : patterns)
        match = match || ::fnmatch(pattern.c_str(), pname.c_str(), 0) == 0;
      (match ? group.params : unmatched).emplace_back(pname, p);
    }
    const auto gname = spec.get<std::string>("name");
    check(!group.params.empty(), "optimizer.groups.{} ({}): no parameter left matches {}", g, gname,
          fmt::join(patterns, ", "));
    rest = std::move(unmatched);
    group.lr = lr * spec.get<double>("lr_scale");
    if (spec.has("weight_decay")) group.weight_decay = spec.get<double>("weight_decay");
    groups.push_back(std::move(group));
    setup.group_names.push_back(gname);
  }
  if (!rest.empty()) {
    groups.push_back({.params = std::move(rest), .lr = lr, .weight_decay = std::nullopt});
    setup.group_names.push_back("default");
  }
  setup.optimizer = entry->build(std::move(groups), options);
  for (const optim::ParamGroup& group : setup.optimizer->param_groups())
    setup.base_lrs.push_back(group.lr.value());
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
