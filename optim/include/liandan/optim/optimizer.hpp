// optim::Optimizer: the base of every optimizer. It holds the parameters by name in groups, each
// group with its own hyper-parameters (lr, weight decay, betas, ...) overriding the optimizer's
// defaults, runs step() under NoGradGuard, and saves / restores its state as named tensors that
// nn::save writes beside the model.
//
// Note [Group options]: a group's options are a map from a hyper-parameter's name to a number
// (or, for Amos's slot axes, a list of axes). A group lists only what it overrides; the
// constructor fills in the optimizer's defaults, so afterwards every group holds every option.
// An option the optimizer does not know is an error naming the group and the known ones. Two
// options are common to all optimizers:
//   lr_mult     multiplies the group's lr once, at construction (layer-wise learning rates);
//   initial_lr  the resulting lr, kept for schedules (apply_schedule multiplies it).
// Some options have no group-wide default because their natural value depends on the tensor
// (Amos's eta and slot axes, Muon's choice of update): the optimizer derives them per parameter
// when a group does not set them; per_param_options() shows the values in use.
//
// Note [Optimizer state_dict]: keys are "state.<param name>.<field>" for each parameter that
// has state (fields per optimizer: "step" (0-dim i64), "exp_avg", ...; a parameter that never
// had a gradient has none) and "param_groups.<i>.<option>" for every option of every group
// (numbers as 0-dim f64, axes as 1-D i64). The tensors are copies; load_state_dict checks every
// key, shape and dtype, and a missing or unexpected key is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "liandan/autograd/named_parameters.hpp"
#include "liandan/core/named_tensors.hpp"

namespace liandan::optim {

using core::NamedTensors;

// A hyper-parameter's value: a number, or a list of axes.
using Axes = std::vector<std::int64_t>;
using OptionValue = std::variant<double, Axes>;
using Options = std::map<std::string, OptionValue>;

// "0.001", "[1, 2]".
std::string str(const OptionValue& value);

struct ParamGroup {
  NamedParameters params;
  Options options;  // See Note [Group options].

  bool has(const std::string& key) const { return options.count(key) != 0; }
  // The number / axes stored under key; an Error naming key when it is missing or of the
  // other kind.
  double number(const std::string& key) const;
  const Axes& axes(const std::string& key) const;
  double lr() const { return number("lr"); }
  void set_lr(double lr) { options["lr"] = lr; }
};

// A hyper-parameter an optimizer takes: its name, its default (whose kind, number or axes, is
// the option's kind), whether the default applies (false: derived per parameter when a group
// does not set it; Note [Group options]), and the range a number must lie in.
struct OptionSpec {
  std::string name;
  OptionValue default_value;
  double min = 0;
  double max = 1e300;
  bool max_open = false;  // [min, max) instead of [min, max]
  bool has_default = true;
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

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  std::size_t num_params() const { return num_params_; }

  // The options used for parameter index (over all groups, in order): its group's, plus the
  // values derived per parameter (Note [Group options]).
  virtual Options per_param_options(std::size_t index) const;

  // See Note [Optimizer state_dict].
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);

  // "SGD", "Adam", ...: prefixes every error.
  const std::string& name() const { return name_; }

 protected:
  // Fills every group's options from specs (plus lr_mult and initial_lr) and checks them:
  // known names, the right kind, numbers within range. Every parameter must be a defined,
  // contiguous leaf of dtype f32 or f64, with a name unique across groups.
  Optimizer(std::string optimizer_name, std::vector<ParamGroup> groups,
            std::vector<OptionSpec> specs);

  // One parameter's update. index is its position over all groups (0 .. num_params - 1);
  // param and grad are contiguous, of the same shape and dtype (f32 or f64).
  virtual void update(const ParamGroup& group, std::size_t index, const core::Tensor& param,
                      const core::Tensor& grad) = 0;
  // The state of parameter index as fields ("step", "exp_avg"; copies), empty if it has none.
  virtual NamedTensors save_state(std::size_t index) const = 0;
  // Replaces the state of parameter index (named key) by copies of fields, checked against
  // param. Empty fields: no state.
  virtual void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                          const NamedTensors& fields) = 0;

  // The group of parameter index, and the parameter's name and tensor.
  const ParamGroup& group_of(std::size_t index) const;
  const std::pair<std::string, Tensor>& param(std::size_t index) const;

 private:
  // The group of parameter index and the parameter's position in it.
  std::pair<const ParamGroup*, std::size_t> locate(std::size_t index) const;
  void check_option(const std::string& key, const OptionValue& value, std::size_t group) const;

  std::string name_;
  std::vector<ParamGroup> groups_;
  std::vector<OptionSpec> specs_;
  std::size_t num_params_ = 0;
};

// A single group of all of a module's parameters: the usual constructor argument.
std::vector<ParamGroup> single_group(const NamedParameters& named_parameters);

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

}  // namespace liandan::optim
