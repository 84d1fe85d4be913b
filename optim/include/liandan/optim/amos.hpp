// optim::Amos: an Adam-style optimizer with adaptive weight decay towards a model-oriented scale
// (Tian & Parikh, arXiv 2210.11693; google-research/jestimator amos.py). ALGORITHMS.md section 3
// gives the equations this file implements line by line.
//
// Note [Amos per tensor]: every tensor has an expected scale eta (the typical size of its
// entries once trained: the init std for matrices) and a slot shape: Amos's second moment v and
// its decay state b are averaged over some axes of the tensor (size 1 there), which is its
// memory reduction. The options (or a group) may set eta and reduce_axes (the averaged axes)
// for all of their tensors; otherwise eta_fn and reduce_axes_fn derive them from the name and
// shape.
// The defaults follow jestimator's BERT: a matrix (out, in...) keeps one slot per output row
// (axes 1..) and eta = sqrt(1 / fan_in); a vector keeps one scalar slot, eta 0.5 for a bias
// (name ending in "bias") and 1 otherwise (norm gains).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

double default_amos_eta(const std::string& name, const Shape& shape);
Axes default_amos_reduce_axes(const std::string& name, const Shape& shape);

// lr is jestimator's learning_rate xi, which has no default there (~1 / sqrt(number of batches
// in the data)); momentum 0 and clip_value 0 mean none (jestimator's None).
struct AmosOptions {
  double lr = 1e-2;
  double beta = 0.999;
  double momentum = 0;    // an EMA of the whole update, without debiasing; [0, 1)
  double clip_value = 0;  // clip each gradient entry to [-clip_value, clip_value] first
  double extra_l2 = 0;
  double d_coef = 0.25;
  double c_coef = 0.25;
  double epsilon = 0x1p-125;          // a floor on v, not added
  std::optional<double> eta{};        // unset: eta_fn per tensor
  std::optional<Axes> reduce_axes{};  // unset: reduce_axes_fn per tensor
  std::function<double(const std::string&, const Shape&)> eta_fn = default_amos_eta;
  std::function<Axes(const std::string&, const Shape&)> reduce_axes_fn = default_amos_reduce_axes;
};

inline const Fields<AmosOptions>& fields(const AmosOptions*) {
  static const Fields<AmosOptions> table = {
      number("lr", &AmosOptions::lr, "xi, the global learning rate (~1/sqrt(batches in the data))",
             {.min = 0}),
      number("beta", &AmosOptions::beta, "decay of the second moment v",
             {.min = 0, .max = 1, .open_max = true}),
      number("momentum", &AmosOptions::momentum, "EMA of the update (0: none)",
             {.min = 0, .max = 1, .open_max = true}),
      number("clip_value", &AmosOptions::clip_value, "elementwise gradient clip (0: none)",
             {.min = 0}),
      number("extra_l2", &AmosOptions::extra_l2, "extra L2 decay", {.min = 0}),
      number("d_coef", &AmosOptions::d_coef, "decay coefficient of the lr", {.min = 0}),
      number("c_coef", &AmosOptions::c_coef, "decay coefficient of the weight decay", {.min = 0}),
      number("epsilon", &AmosOptions::epsilon, "floor on v (not added)", {.min = 0}),
      number("eta", &AmosOptions::eta, "expected scale of the entries (unset: per tensor)",
             {.min = 0}),
      axes("reduce_axes", &AmosOptions::reduce_axes,
           "axes v and b are averaged over (unset: per tensor)"),
  };
  return table;
}

struct AmosState {
  std::int64_t step = 0;
  core::Tensor v;  // slot shape (Note [Amos per tensor])
  core::Tensor b;  // slot shape
  core::Tensor m;  // parameter shape; momentum only
};

class Amos : public OptimizerOf<AmosOptions> {
 public:
  Amos(std::vector<ParamGroup> groups, const AmosOptions& options = {});
  Amos(const NamedParameters& named_parameters, const AmosOptions& options = {})
      : Amos(single_group(named_parameters), options) {}

  // The shape of parameter index's v and b slots.
  const Shape& slot_shape(std::size_t index) const { return slots_[index].shape; }

 protected:
  // Its group's options with the parameter's eta and reduce_axes.
  AmosOptions param_options(std::size_t index) const override;
  void update(const AmosOptions& o, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  struct Slot {
    double eta = 1;
    Axes axes;    // sorted, unique
    Shape shape;  // the parameter's shape with 1 on axes
    std::int64_t row_length =
        0;  // > 0: axes are the trailing ones, so a slot is a row of this many
  };
  std::vector<Slot> slots_;
  std::vector<std::optional<AmosState>> state_;
};

}  // namespace liandan::optim
