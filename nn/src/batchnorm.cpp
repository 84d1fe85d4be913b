// BatchNorm1d / BatchNorm2d: buffers and momentum as PyTorch's _BatchNorm, the math in
// functional::batch_norm (Note [BatchNorm in training] in batchnorm.hpp).
#include "liandan/nn/batchnorm.hpp"

#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/nn/functional.hpp"
#include "repr.hpp"

namespace liandan::nn {

BatchNorm::BatchNorm(std::int64_t num_features, const BatchNormOptions& options)
    : num_features(num_features), eps(options.eps), momentum(options.momentum) {
  check(num_features > 0, "BatchNorm: num_features must be positive, got {}", num_features);
  check(!momentum || (*momentum >= 0 && *momentum <= 1),
        "BatchNorm: momentum must be in [0, 1], got {}", momentum.value_or(0));
  if (options.affine) {
    weight = ones({num_features}, {.dtype = options.dtype});
    bias = zeros({num_features}, {.dtype = options.dtype});
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
  if (options.track_running_stats) {
    running_mean = zeros({num_features}, {.dtype = options.dtype});
    running_var = ones({num_features}, {.dtype = options.dtype});
    num_batches_tracked = Tensor(core::Tensor::zeros({}, DType::i64));
    register_buffer("running_mean", running_mean);
    register_buffer("running_var", running_var);
    register_buffer("num_batches_tracked", num_batches_tracked);
  }
}

void BatchNorm::reset_running_stats() {
  if (!running_mean.defined()) return;
  NoGradGuard no_grad;
  fill_(running_mean, 0);
  fill_(running_var, 1);
  fill_(num_batches_tracked, 0);
}

Tensor BatchNorm::forward(const Tensor& x) {
  check_input(x);
  check(x.size(1) == num_features, "{}: expected {} channels in dim 1, got input {}", type_name(),
        num_features, x.shape());
  const bool tracking = running_mean.defined();
  double factor = momentum.value_or(0);  // the batch's weight in the running averages
  if (is_training() && tracking) {
    NoGradGuard no_grad;
    const double batches = num_batches_tracked.item() + 1;
    fill_(num_batches_tracked, batches);
    if (!momentum) factor = 1 / batches;
  }
  // Batch statistics in training, and always without running statistics (as PyTorch); the
  // running buffers are passed, and so updated, only when tracked.
  return functional::batch_norm(x, running_mean, running_var, weight, bias,
                                is_training() || !tracking, factor, eps);
}

std::string BatchNorm::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features,
                     repr::py_float(eps), repr::py_float(momentum), weight.defined(),
                     running_mean.defined());
}

void BatchNorm1d::check_input(const Tensor& x) const {
  check(x.dim() == 2 || x.dim() == 3,
        "BatchNorm1d: expected 2-D (N, C) or 3-D (N, C, L) input, got shape {}", x.shape());
}

void BatchNorm2d::check_input(const Tensor& x) const {
  check(x.dim() == 4, "BatchNorm2d: expected 4-D (N, C, H, W) input, got shape {}", x.shape());
}

}  // namespace liandan::nn
