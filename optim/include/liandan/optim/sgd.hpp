// optim::SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum and L2
// weight decay, as torch.optim.SGD.
#pragma once

#include <optional>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// nesterov needs momentum > 0 and dampening 0 in its group.
struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

inline const Fields<SGDOptions>& fields(const SGDOptions*) {
  static const Fields<SGDOptions> table = {
      number("lr", &SGDOptions::lr, "learning rate", {.min = 0}),
      number("momentum", &SGDOptions::momentum, "momentum", {.min = 0}),
      number("dampening", &SGDOptions::dampening, "dampening of the momentum", {.min = 0}),
      number("weight_decay", &SGDOptions::weight_decay, "L2 weight decay, added to the gradient",
             {.min = 0}),
      flag("nesterov", &SGDOptions::nesterov, "Nesterov momentum"),
  };
  return table;
}

struct SGDState {
  core::Tensor momentum_buffer;  // same shape as the parameter; set to the first d_p
};

class SGD : public OptimizerOf<SGDOptions> {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options = {});
  SGD(const NamedParameters& named_parameters, const SGDOptions& options = {})
      : SGD(single_group(named_parameters), options) {}

 protected:
  void update(const SGDOptions& o, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  std::vector<std::optional<SGDState>> state_;  // per parameter, over all groups
};

}  // namespace liandan::optim
