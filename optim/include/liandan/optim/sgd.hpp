// optim::SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum and L2
// weight decay, as torch.optim.SGD.
#pragma once

#include <optional>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// The defaults of every group (Note [Group options]: a group may override lr, momentum,
// dampening, weight_decay). Checked in the constructor: lr, momentum, dampening, weight_decay
// >= 0; nesterov needs momentum > 0 and dampening 0 in every group.
struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

struct SGDState {
  core::Tensor momentum_buffer;  // same shape as the parameter; set to the first d_p
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options = {});
  SGD(const NamedParameters& named_parameters, const SGDOptions& options = {})
      : SGD(single_group(named_parameters), options) {}
  const SGDOptions& options() const { return options_; }

 protected:
  void update(const ParamGroup& group, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  SGDOptions options_;
  std::vector<std::optional<SGDState>> state_;  // per parameter, over all groups
};

}  // namespace liandan::optim
