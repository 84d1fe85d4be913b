// optim::Lion (EvoLved Sign Momentum; Chen et al., "Symbolic Discovery of Optimization
// Algorithms", arXiv 2302.06675, Algorithm 2) and optim::Tiger (Su Jianlin, kexue.fm/archives/9512,
// bojone/tiger tiger.py): sign updates with one momentum slot, decoupled weight decay.
#pragma once

#include <optional>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// Defaults of google/automl lion_pytorch.py (ALGORITHMS.md section 2).
struct LionOptions {
  double lr = 1e-4;
  double beta1 = 0.9;
  double beta2 = 0.99;
  double weight_decay = 0;
};

inline const Fields<LionOptions>& fields(const LionOptions*) {
  static const Fields<LionOptions> table = {
      number("lr", &LionOptions::lr, "learning rate", {.min = 0}),
      number("beta1", &LionOptions::beta1, "interpolation of momentum and gradient for the update",
             {.min = 0, .max = 1, .open_max = true}),
      number("beta2", &LionOptions::beta2, "decay of the momentum",
             {.min = 0, .max = 1, .open_max = true}),
      number("weight_decay", &LionOptions::weight_decay,
             "decoupled weight decay: p *= 1 - lr * weight_decay", {.min = 0}),
  };
  return table;
}

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

inline const Fields<TigerOptions>& fields(const TigerOptions*) {
  static const Fields<TigerOptions> table = {
      number("lr", &TigerOptions::lr, "learning rate", {.min = 0}),
      number("beta", &TigerOptions::beta, "decay of the momentum, which is also the update",
             {.min = 0, .max = 1, .open_max = true}),
      number("weight_decay", &TigerOptions::weight_decay,
             "decoupled weight decay: p *= 1 - lr * weight_decay", {.min = 0}),
  };
  return table;
}

struct LionState {
  std::int64_t step = 0;  // number of updates (saved for inspection; the update does not use it)
  core::Tensor exp_avg;   // m, same shape as the parameter
};

// The update and state of Lion (O = LionOptions) and Tiger (O = TigerOptions).
template <typename O>
class SignMomentum : public OptimizerOf<O> {
 protected:
  SignMomentum(std::string optimizer_name, std::vector<ParamGroup> groups, const O& options);

  void update(const O& o, std::size_t index, const core::Tensor& param,
              const core::Tensor& grad) override;
  NamedTensors save_state(std::size_t index) const override;
  void load_state(std::size_t index, const std::string& key, const core::Tensor& param,
                  const NamedTensors& fields) override;

 private:
  std::vector<std::optional<LionState>> state_;  // per parameter, over all groups
};

class Lion : public SignMomentum<LionOptions> {
 public:
  Lion(std::vector<ParamGroup> groups, const LionOptions& options = {});
  Lion(const NamedParameters& named_parameters, const LionOptions& options = {})
      : Lion(single_group(named_parameters), options) {}
};

// See Note [Tiger is Lion with one beta]. State and state_dict keys are Lion's.
class Tiger : public SignMomentum<TigerOptions> {
 public:
  Tiger(std::vector<ParamGroup> groups, const TigerOptions& options = {});
  Tiger(const NamedParameters& named_parameters, const TigerOptions& options = {})
      : Tiger(single_group(named_parameters), options) {}
};

}  // namespace liandan::optim
