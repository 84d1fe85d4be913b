// optim::AdamW: Adam with decoupled weight decay, as torch.optim.AdamW (Loshchilov & Hutter,
// "Decoupled Weight Decay Regularization", arXiv 1711.05101, Algorithm 2; PyTorch multiplies
// the decay by lr: p *= 1 - lr * wd, see ALGORITHMS.md section 1).
#pragma once

#include "liandan/optim/adam.hpp"

namespace liandan::optim {

// As AdamOptions, but weight_decay defaults to 1e-2 (as PyTorch's).
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

inline const Fields<AdamWOptions>& fields(const AdamWOptions*) {
  static const Fields<AdamWOptions> table =
      adam_fields<AdamWOptions>("decoupled weight decay: p *= 1 - lr * weight_decay");
  return table;
}

class AdamW : public AdamBase<AdamWOptions> {
 public:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = {});
  AdamW(const NamedParameters& named_parameters, const AdamWOptions& options = {})
      : AdamW(single_group(named_parameters), options) {}
};

}  // namespace liandan::optim
