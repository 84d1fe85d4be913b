// optim::Amos: an Adam-style optimizer with adaptive weight decay towards a model-oriented scale
// (Tian & Parikh, arXiv 2210.11693; google-research/jestimator amos.py). ALGORITHMS.md section 3
// gives the equations this file implements line by line.
//
// Note [Amos per tensor]: every tensor has an expected scale eta (the typical size of its
// entries once trained: the init std for matrices) and a slot shape: Amos's second moment v and
// its decay state b are averaged over some axes of the tensor (size 1 there), which is its
// memory reduction. A group may set "eta" (a number) and "reduce_axes" (the averaged axes) for
// all of its tensors; otherwise eta_fn and reduce_axes_fn derive them from the name and shape.
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

// The defaults of every group (a group may override each number and set eta and reduce_axes).
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
  double epsilon = 0x1p-125;  // a floor on v, not added
  std::function<double(const std::string&, const Shape&)> eta_fn = default_amos_eta;
  std::function<Axes(const std::string&, const Shape&)> reduce_axes_fn = default_amos_reduce_axes;
};

struct AmosState {
  std::int64_t step = 0;
  core::Tensor v;  // slot shape (Note [Amos per tensor])
  core::Tensor b;  // slot shape
  core::Tensor m;  // parameter shape; momentum only
};

class Amos : public Optimizer {
 public:
  Amos(std::vector<ParamGroup> groups, const AmosOptions& options = {});
  Amos(const NamedParameters& named_parameters, const AmosOptions& options = {})
      : Amos(single_group(named_parameters), options) {}

  // Adds eta and reduce_axes of the parameter to its group's options.
  Options per_param_options(std::size_t index) const override;
  // The shape of parameter index's v and b slots.
  const Shape& slot_shape(std::size_t index) const { return slots_[index].shape; }

 protected:
  void update(const ParamGroup& group, std::size_t index, const core::Tensor& param,
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
