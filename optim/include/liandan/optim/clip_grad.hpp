// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_: in place on the
// .grad of each parameter (parameters without a gradient are skipped).
#pragma once

#include <vector>

#include "liandan/autograd/named_parameters.hpp"

namespace liandan::optim {

// Scales all gradients together by min(1, max_norm / (total_norm + 1e-6)), where total_norm is
// the p-norm of all gradients seen as one vector (norm_type > 0, or infinity for the max
// absolute value). Returns total_norm (computed in double).
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2);
double clip_grad_norm_(const NamedParameters& named_params, double max_norm, double norm_type = 2);

// Clamps every gradient element to [-clip_value, clip_value] (clip_value >= 0).
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);
void clip_grad_value_(const NamedParameters& named_params, double clip_value);

}  // namespace liandan::optim
