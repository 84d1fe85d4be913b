// Gradient tools beside clipping: a check that names the first parameter with a non-finite
// gradient, and gradient accumulation over micro-batches. (Per-parameter gradient hooks are
// autograd's: Tensor::register_hook.)
#pragma once

#include <optional>
#include <string>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// The first parameter (in order) whose gradient holds a NaN or an infinity, described as
// "layers.1.weight [4,4]: nan at flat index 5", or nullopt when every gradient is finite.
std::optional<std::string> first_nonfinite_grad(const NamedParameters& params);
// Throws an Error "non-finite gradient in <that description>" when there is one.
void check_finite_grads(const NamedParameters& params);

// Note [Gradient accumulation]: k micro-batches of one step each call backward(loss) with the
// mean loss of their micro-batch; it back-propagates loss / k, so the summed gradients are those
// of the mean over the k micro-batches (equal-sized), and returns true on the k-th call. Then
// step() (after any clipping or checks on the summed gradients) updates and clears them:
//   if (acc.backward(loss)) { optim::clip_grad_norm_(params, 1.0); acc.step(); }
class GradientAccumulation {
 public:
  GradientAccumulation(Optimizer& optimizer, int micro_batches);

  // (loss / k).backward(); true once the step's k micro-batches are in.
  bool backward(const Tensor& loss);
  // optimizer.step() then zero_grad(); an Error unless all k micro-batches are in.
  void step();
  int micro_batches() const { return micro_batches_; }
  int pending() const { return pending_; }  // micro-batches accumulated for the next step

 private:
  Optimizer& optimizer_;
  int micro_batches_;
  int pending_ = 0;
};

}  // namespace liandan::optim
