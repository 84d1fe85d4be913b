// optim::Lion (EvoLved Sign Momentum; Chen et al., "Symbolic Discovery of Optimization
// Algorithms", arXiv 2302.06675, Algorithm 2) and optim::Tiger (Su Jianlin, kexue.fm/archives/9512,
// bojone/tiger tiger.py): sign updates with one momentum slot, decoupled weight decay.
#pragma once

#include <optional>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// Defaults of google/automl lion_pytorch.py (ALGORITHMS.md section 2), for every group (a group
// may override lr, beta1, beta2, weight_decay; Tiger's: lr, beta, weight_decay). Checked in the
// constructor: lr, weight_decay >= 0, betas in [0, 1).
struct LionOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.99;
  double weight_decay = 0;
};

// Note [Tiger is Lion with one beta]: Tiger (ALGORITHMS.md section 9a) is
//   m = beta m + (1 - beta) g ;  p -= lr (sign(m) + wd p)
// and Lion with beta1 = beta2 = beta computes c = beta m + (1 - beta) g, which is the updated m
// bit for bit, then p *= 1 - lr wd; p -= lr sign(c), the same update. So Tiger is a Lion with
// beta1 = beta2 = beta. Defaults from bojone/tiger tiger.py (commit 8af98655): lr 1e-3,
// beta 0.965, weight_decay 0.01. Not implemented from tiger.py: its per-tensor lr scaling by
// RMS(p) (and 0.5 / no decay for bias and norm gains: give those their own ParamGroup), its
// NaN-gradient shrink, and its gradient-accumulation betas.
struct TigerOptions {
  double lr = 1e-3;
  double beta = 0.965;
  double weight_decay = 0.01;
};

struct LionState {
  std::int64_t step = 0;  // number of updates (saved for inspection; the update does not use it)
  core::Tensor exp_avg;   // m, same shape as the parameter
};

class Lion : public Optimizer {
 public:
  Lion(std::vector<ParamGroup> groups, const LionOptions& options = {});
  Lion(const NamedParameters& named_parameters, const LionOptions& options = {})
      : Lion(single_group(named_parameters), options) {}

 protected:
  Lion(std::string optimizer_name, std::vector<ParamGroup> groups, std::vector<OptionSpec> specs);

  void update(const ParamGroup& group, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  std::vector<std::optional<LionState>> state_;  // per parameter, over all groups
};

// See Note [Tiger is Lion with one beta]. State and state_dict keys are Lion's.
class Tiger : public Lion {
 public:
  Tiger(std::vector<ParamGroup> groups, const TigerOptions& options = {});
  Tiger(const NamedParameters& named_parameters, const TigerOptions& options = {})
      : Tiger(single_group(named_parameters), options) {}
};

}  // namespace liandan::optim
