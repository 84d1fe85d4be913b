// optim::Optimizer: the base of SGD, Adam and AdamW. It holds the parameters by name in groups
// (each group may override the learning rate and weight decay), runs step() under NoGradGuard,
// and saves / restores the per-parameter state as named tensors that nn::save can write.
//
// Note [Optimizer state_dict]: keys are "state.<param name>.<field>" for each parameter that
// has state (fields per optimizer: "step" (0-dim i64), "exp_avg", ...; a parameter that never
// had a gradient has none) and "param_groups.<i>.lr", "param_groups.<i>.weight_decay" (0-dim
// f64). The tensors are copies; load_state_dict checks every key, shape and dtype, and a
// missing or unexpected key is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "liandan/nn/module.hpp"

namespace liandan::optim {

using nn::NamedTensors;

// Parameters by name; lr and weight_decay default to the optimizer's options when unset and
// are always set once the optimizer is built (a scheduler may then change lr).
struct ParamGroup {
  NamedTensors params;
  std::optional<double> lr;
  std::optional<double> weight_decay;
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

  // See Note [Optimizer state_dict].
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);

  // "SGD", "Adam", "AdamW": prefixes every error.
  const std::string& name() const { return name_; }

 protected:
  // groups: lr / weight_decay filled from the defaults, then checked (>= 0); every parameter
  // must be a defined leaf of dtype f32 or f64, with a name unique across groups.
  Optimizer(std::string optimizer_name, std::vector<ParamGroup> groups, double default_lr,
            double default_weight_decay);

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

  std::size_t num_params() const { return num_params_; }

 private:
  std::string name_;
  std::vector<ParamGroup> groups_;
  std::size_t num_params_ = 0;
};

// A single group of all of a module's parameters: the usual constructor argument.
std::vector<ParamGroup> single_group(const NamedTensors& named_parameters);

// ---- helpers for the optimizers' update kernels and state

// Above this many elements an update loop runs in parallel (elementwise: the result does not
// depend on the thread count).
inline constexpr std::int64_t kParallelNumel = 1 << 15;

// A 0-dim i64 tensor holding a step counter, and the field "step" back (checked: 0-dim i64,
// >= 0).
core::Tensor step_tensor(std::int64_t step);
std::int64_t step_value(const std::string& param_name, const NamedTensors& fields);
// A copy of the field key of parameter param_name, checked to have param's shape and dtype.
core::Tensor state_like(const std::string& param_name, const NamedTensors& fields,
                        const std::string& key, const core::Tensor& param);
// The field named key among fields (as loaded for param), or an Error naming param and key.
const core::Tensor& field(const std::string& param, const NamedTensors& fields,
                          const std::string& key);
// An Error naming param and the field when fields holds a name not in allowed.
void check_fields(const std::string& param, const NamedTensors& fields,
                  std::initializer_list<const char*> allowed);

}  // namespace liandan::optim
