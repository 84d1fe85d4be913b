// optim::Optimizer: the base of every optimizer. It holds the parameters by name in groups, each
// group with its own hyper-parameters (lr, weight decay, betas, ...) overriding the optimizer's
// defaults, runs step() under NoGradGuard, and saves / restores its state as named tensors that
// nn::save writes beside the model. optim::OptimizerOf<Options> is the base of a concrete
// optimizer: it resolves each group's options into the typed struct its kernel reads.
//
// Note [Group options]: an optimizer's hyper-parameters are one options struct (AdamOptions)
// described by its field table (Note [Field tables]); the struct given to the constructor holds
// the defaults of every group. A ParamGroup lists by name only what it overrides, PyTorch-style
// ({"lr", 0.1}, {"weight_decay", 0}); the constructor resolves every group once into the typed
// struct (defaults, then the overrides assigned through the table) and kernels read the struct
// of their group, never a name. An unknown name or a value out of range is an Error naming the
// optimizer, the group and the value, with a did-you-mean. One more name is common to all
// optimizers:
//   lr_mult  multiplies the group's lr once, at construction (layer-wise learning rates);
// the lr so resolved is the group's initial_lr, which schedules multiply (apply_schedule).
// Every option may differ between groups. An option whose member is a std::optional has no
// group-wide default (Amos's eta and reduce_axes, Muon's muon): unset, the optimizer derives it
// per parameter; per_param_options() shows the values in use.
//
// Note [Optimizer state_dict]: keys are "state.<param name>.<field>" for each parameter that
// has state (fields per optimizer: "step" (0-dim i64), "exp_avg", ...; a parameter that never
// had a gradient has none) and "param_groups.<i>.<option>" for every option of every group that
// has a value, plus lr_mult and initial_lr. A scalar option is a 0-dim f64 (a flag 1 or 0, a
// choice the index of its name), axes a 1-D i64. The tensors are copies; load_state_dict checks
// every key, shape and dtype, and a missing or unexpected key is an error, with one exception:
// flags, integers and choices (amsgrad, nesterov, ns_steps, scale) became per-group options
// after the numbers, so a state_dict without them loads and keeps the group's own values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "liandan/autograd/named_parameters.hpp"
#include "liandan/core/fields.hpp"
#include "liandan/core/named_tensors.hpp"

namespace liandan::optim {

using core::NamedTensors;

// Options by name: what a group overrides, or every option of a parameter (per_param_options).
using OptionValues = std::map<std::string, FieldValue>;

struct ParamGroup {
  NamedParameters params{};
  OptionValues options{};  // the overrides, see Note [Group options]
  std::string name{};      // for people: format_groups, a run's metrics (may be empty)
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that has a gradient, under NoGradGuard.
  void step();
  // Clears the gradients: set_to_none drops them, otherwise zeroes them in place.
  void zero_grad(bool set_to_none = true);

  // The groups as given (their options are the overrides, not the resolved values).
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  std::size_t num_params() const { return num_params_; }
  // The index of the group of parameter index (over all groups, in order).
  std::size_t group_index(std::size_t index) const { return locate(index).first; }

  // The lr group uses now (schedules change it) and the one it was built with, lr_mult
  // included (Note [Group options]).
  virtual double lr(std::size_t group) const = 0;
  virtual void set_lr(std::size_t group, double lr) = 0;
  virtual double initial_lr(std::size_t group) const = 0;
  // Every option parameter index uses, by name: its group's, with the values derived per
  // parameter, and lr_mult.
  virtual OptionValues per_param_options(std::size_t index) const = 0;

  // See Note [Optimizer state_dict].
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);

  // "SGD", "Adam", ...: prefixes every error.
  const std::string& name() const { return name_; }

 protected:
  // Every parameter must be a defined, contiguous leaf of dtype f32 or f64, with a name unique
  // across groups.
  Optimizer(std::string optimizer_name, std::vector<ParamGroup> groups);

  // One parameter's update. index is its position over all groups (0 .. num_params - 1);
  // param and grad are contiguous, of the same shape and dtype (f32 or f64).
  virtual void update_param(std::size_t group, std::size_t index, const core::Tensor& param,
                            const core::Tensor& grad) = 0;
  // The state of parameter index as fields ("step", "exp_avg"; copies), empty if it has none.
  virtual NamedTensors save_state(std::size_t index) const = 0;
  // Replaces the state of parameter index (named key) by copies of fields, checked against
  // param and the (already loaded) options of its group. Empty fields: no state.
  virtual void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                          const NamedTensors& fields) = 0;
  // The options of each group as named tensors, and back: load_group_options checks every
  // group's fields (keys without "param_groups.<i>.") before it changes any.
  virtual NamedTensors save_group_options(std::size_t group) const = 0;
  virtual void load_group_options(const std::vector<NamedTensors>& groups) = 0;

  // The parameter's name and tensor.
  const std::pair<std::string, Tensor>& param(std::size_t index) const;

 private:
  // The group of parameter index and the parameter's position in it.
  std::pair<std::size_t, std::size_t> locate(std::size_t index) const;

  std::string name_;
  std::vector<ParamGroup> groups_;
  std::size_t num_params_ = 0;
};

// A single group of all of a module's parameters: the usual constructor argument.
std::vector<ParamGroup> single_group(const NamedParameters& named_parameters);

// An option's value as a tensor of Note [Optimizer state_dict], and back (checked; key names
// the tensor in errors). choices are the names of a choice option.
core::Tensor option_tensor(FieldKind kind, const FieldValue& value,
                           const std::vector<std::string>& choices);
FieldValue option_value(const std::string& key, const core::Tensor& t, FieldKind kind,
                        const std::vector<std::string>& choices);

// The base of an optimizer whose options struct is O (with a field table, Note [Field tables],
// and a member lr): it resolves each group's options (Note [Group options]) and hands the
// kernel the struct of the parameter's group.
template <typename O>
class OptimizerOf : public Optimizer {
 public:
  using Options = O;

  // The options given to the constructor, and the resolved options of group.
  const O& defaults() const { return defaults_; }
  const O& options(std::size_t group) const { return resolved_[group].options; }

  double lr(std::size_t group) const override { return resolved_[group].options.lr; }
  void set_lr(std::size_t group, double lr) override { resolved_[group].options.lr = lr; }
  double initial_lr(std::size_t group) const override { return resolved_[group].initial_lr; }
  OptionValues per_param_options(std::size_t index) const override;

 protected:
  OptimizerOf(std::string optimizer_name, std::vector<ParamGroup> groups, const O& defaults);

  // The options parameter index uses: its group's, with the optional ones the optimizer
  // derives per parameter filled in.
  virtual O param_options(std::size_t index) const { return options(group_index(index)); }
  // The update of parameter index with its group's options o (see update_param).
  virtual void update(const O& o, std::size_t index, const core::Tensor& param,
                      const core::Tensor& grad) = 0;

 private:
  // A group's resolved options, and what a group may override: O's fields and lr_mult.
  struct Resolved {
    O options;
    double lr_mult = 1;
    double initial_lr = 0;
  };
  static const Fields<Resolved>& group_fields();

  void update_param(std::size_t group, std::size_t index, const core::Tensor& param,
                    const core::Tensor& grad) final {
    update(resolved_[group].options, index, param, grad);
  }
  NamedTensors save_group_options(std::size_t group) const final;
  void load_group_options(const std::vector<NamedTensors>& groups) final;

  O defaults_;
  std::vector<Resolved> resolved_;  // per group
};

// ---- helpers for the optimizers' update kernels and state

// A 0-dim i64 tensor holding a step counter, and the field "step" back (checked: 0-dim i64,
// >= 0).
core::Tensor step_tensor(std::int64_t step);
std::int64_t step_value(const std::string& param_name, const NamedTensors& fields);
// A copy of the field key of parameter param_name, checked to have shape and param's dtype.
core::Tensor state_like(const std::string& param_name, const NamedTensors& fields,
                        const std::string& key, const core::Tensor& param);
core::Tensor state_of_shape(const std::string& param_name, const NamedTensors& fields,
                            const std::string& key, const Shape& shape, DType dtype);
// The field named key among fields (as loaded for param), or an Error naming param and key.
const core::Tensor& field(const std::string& param, const NamedTensors& fields,
                          const std::string& key);
// An Error naming param and the field when fields holds a name not in allowed.
void check_fields(const std::string& param, const NamedTensors& fields,
                  std::initializer_list<const char*> allowed);

// ---- OptimizerOf

template <typename O>
const Fields<typename OptimizerOf<O>::Resolved>& OptimizerOf<O>::group_fields() {
  static const Fields<Resolved> table = [] {
    Fields<Resolved> rows = embed("", &Resolved::options, fields_of<O>());
    rows.push_back(number("lr_mult", &Resolved::lr_mult, "multiplies the group's lr", {.min = 0}));
    return rows;
  }();
  return table;
}

template <typename O>
OptimizerOf<O>::OptimizerOf(std::string optimizer_name, std::vector<ParamGroup> groups,
                            const O& defaults)
    : Optimizer(std::move(optimizer_name), std::move(groups)), defaults_(defaults) {
  check_all(defaults_, fields_of<O>(), name());
  for (std::size_t g = 0; g < param_groups().size(); ++g) {
    Resolved r{.options = defaults_};
    const std::string owner = fmt::format("{} param group {}", name(), g);
    for (const auto& [key, value] : param_groups()[g].options)
      assign(r, group_fields(), key, value, owner);
    r.options.lr *= r.lr_mult;
    r.initial_lr = r.options.lr;
    resolved_.push_back(std::move(r));
  }
}

template <typename O>
OptionValues OptimizerOf<O>::per_param_options(std::size_t index) const {
  const Resolved r{.options = param_options(index),
                   .lr_mult = resolved_[group_index(index)].lr_mult};
  OptionValues out;
  for (const Field<Resolved>& f : group_fields())
    if (const std::optional<FieldValue> v = f.get(r)) out[f.name] = *v;
  return out;
}

template <typename O>
NamedTensors OptimizerOf<O>::save_group_options(std::size_t group) const {
  const Resolved& r = resolved_[group];
  NamedTensors out;
  for (const Field<Resolved>& f : group_fields())
    if (const std::optional<FieldValue> v = f.get(r))
      out.add(f.name, option_tensor(f.kind, *v, f.choices));
  out.add("initial_lr", option_tensor(FieldKind::number, r.initial_lr, {}));
  return out;
}

template <typename O>
void OptimizerOf<O>::load_group_options(const std::vector<NamedTensors>& groups) {
  std::vector<Resolved> loaded = resolved_;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string owner = fmt::format("{}.load_state_dict: param group {}", name(), g);
    const auto prefix = fmt::format("param_groups.{}.", g);
    std::vector<std::string> known{"initial_lr"};
    for (const Field<Resolved>& f : group_fields()) {
      if (!f.get(loaded[g])) continue;  // an unset optional option has no key
      known.push_back(f.name);
      const core::Tensor* t = groups[g].contains(f.name) ? &groups[g][f.name] : nullptr;
      const bool added_later = f.kind != FieldKind::number && f.kind != FieldKind::axes;
      check(t != nullptr || added_later, "{}.load_state_dict: missing key {}{}", name(), prefix,
            f.name);
      if (t != nullptr)
        assign(loaded[g], group_fields(), f.name,
               option_value(prefix + f.name, *t, f.kind, f.choices), owner);
    }
    for (const auto& [k, v] : groups[g]) {
      check(std::find(known.begin(), known.end(), k) != known.end(),
            "{}.load_state_dict: unexpected key {}{}", name(), prefix, k);
      if (k == "initial_lr")
        loaded[g].initial_lr = std::get<double>(option_value(prefix + k, v, FieldKind::number, {}));
    }
    check(groups[g].contains("initial_lr"), "{}.load_state_dict: missing key {}initial_lr", name(),
          prefix);
  }
  resolved_ = std::move(loaded);
}

}  // namespace liandan::optim
