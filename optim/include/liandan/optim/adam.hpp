// optim::Adam: Adam with coupled L2 weight decay and the AMSGrad variant, as torch.optim.Adam
// (Kingma & Ba, arXiv 1412.6980; AMSGrad: Reddi et al., "On the Convergence of Adam and
// Beyond", 2018). AdamW (adamw.hpp) shares its kernel.
#pragma once

#include <optional>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// The defaults of every group (a group may override lr, beta1, beta2, eps, weight_decay; Note
// [Group options]). Checked in the constructor: lr, weight_decay >= 0, betas in [0, 1),
// eps >= 0.
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

struct AdamState {
  std::int64_t step = 0;
  core::Tensor exp_avg;         // m, same shape as the parameter
  core::Tensor exp_avg_sq;      // v
  core::Tensor max_exp_avg_sq;  // max of v over steps; amsgrad only
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});
  Adam(const NamedParameters& named_parameters, const AdamOptions& options = {})
      : Adam(single_group(named_parameters), options) {}
  const AdamOptions& options() const { return options_; }

 protected:
  // decoupled: AdamW's weight decay (p *= 1 - lr * wd) instead of g += wd * p.
  Adam(std::string optimizer_name, std::vector<ParamGroup> groups, const AdamOptions& options,
       bool decoupled);

  void update(const ParamGroup& group, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  AdamOptions options_;
  bool decoupled_;
  std::vector<std::optional<AdamState>> state_;  // per parameter, over all groups
};

}  // namespace liandan::optim
