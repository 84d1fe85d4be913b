// optim::Adam: Adam with coupled L2 weight decay and the AMSGrad variant, as torch.optim.Adam
// (Kingma & Ba, arXiv 1412.6980; AMSGrad: Reddi et al., "On the Convergence of Adam and
// Beyond", 2018). AdamW (adamw.hpp) shares its kernel and state.
#pragma once

#include <optional>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

// The table of AdamOptions and of AdamWOptions, which have the same members.
template <typename S>
Fields<S> adam_fields(const std::string& weight_decay_help) {
  return {
      number("lr", &S::lr, "learning rate", {.min = 0}),
      number("beta1", &S::beta1, "decay of the first moment",
             {.min = 0, .max = 1, .open_max = true}),
      number("beta2", &S::beta2, "decay of the second moment",
             {.min = 0, .max = 1, .open_max = true}),
      number("eps", &S::eps, "added to the bias-corrected sqrt(v)", {.min = 0}),
      number("weight_decay", &S::weight_decay, weight_decay_help, {.min = 0}),
      flag("amsgrad", &S::amsgrad, "AMSGrad: divide by the running maximum of v"),
  };
}

inline const Fields<AdamOptions>& fields(const AdamOptions*) {
  static const Fields<AdamOptions> table =
      adam_fields<AdamOptions>("L2 weight decay, added to the gradient");
  return table;
}

struct AdamState {
  std::int64_t step = 0;
  core::Tensor exp_avg;         // m, same shape as the parameter
  core::Tensor exp_avg_sq;      // v
  core::Tensor max_exp_avg_sq;  // max of v over steps; amsgrad only
};

// Adam's update and state for options O (AdamOptions, AdamWOptions); decoupled: AdamW's weight
// decay (p *= 1 - lr * wd) instead of g += wd * p.
template <typename O>
class AdamBase : public OptimizerOf<O> {
 protected:
  AdamBase(std::string optimizer_name, std::vector<ParamGroup> groups, const O& options,
           bool decoupled);

  void update(const O& o, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  bool decoupled_;
  std::vector<std::optional<AdamState>> state_;  // per parameter, over all groups
};

class Adam : public AdamBase<AdamOptions> {
 public:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});
  Adam(const NamedParameters& named_parameters, const AdamOptions& options = {})
      : Adam(single_group(named_parameters), options) {}
};

}  // namespace liandan::optim
